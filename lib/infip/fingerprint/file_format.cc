#include "infip/fingerprint/file_format.h"
