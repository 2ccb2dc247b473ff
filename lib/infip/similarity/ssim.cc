#include "infip/similarity/ssim.h"
