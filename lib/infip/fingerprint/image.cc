#include "infip/fingerprint/image.h"
