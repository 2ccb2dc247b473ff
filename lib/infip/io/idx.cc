#include "infip/io/idx.h"
