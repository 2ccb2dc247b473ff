#include "infip/io/sha256.h"
