#include "infip/dtd/engine.h"
