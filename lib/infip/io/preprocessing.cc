#include "infip/io/preprocessing.h"
