#include "infip/io/npy.h"
