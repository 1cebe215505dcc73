// Kept at this path for the input/output files that include it; the block lives in chip/.
#pragma once

#include "neurosim/chip/floorplan.hpp"
