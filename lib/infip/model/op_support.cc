#include "infip/model/op_support.h"
