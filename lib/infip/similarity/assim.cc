#include "infip/similarity/assim.h"
