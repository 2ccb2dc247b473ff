#include "infip/fingerprint/crc32.h"
