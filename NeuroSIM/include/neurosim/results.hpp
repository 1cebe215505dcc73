// Kept at this path for main.cpp and hardware_config.cpp, which include it; the writer lives in io/.
#pragma once

#include "neurosim/io/results.hpp"
