#include "infip/dtd/composite.h"
