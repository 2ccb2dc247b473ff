#include "infip/io/key_set.h"
