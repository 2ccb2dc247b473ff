#include "infip/model/canonicalize.h"
