#include "infip/io/image_dir.h"
