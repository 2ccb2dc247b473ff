#include "infip/model/model.h"
