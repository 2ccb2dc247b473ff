#include "infip/dtd/rules.h"
