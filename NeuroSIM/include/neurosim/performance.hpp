// Kept at this path for the input/output files that include it; the block lives in training/.
#pragma once

#include "neurosim/training/performance.hpp"
