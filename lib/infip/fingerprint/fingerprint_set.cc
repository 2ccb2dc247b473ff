#include "infip/fingerprint/fingerprint_set.h"
