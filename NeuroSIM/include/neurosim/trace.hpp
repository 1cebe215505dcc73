// Kept at this path for main.cpp and hardware_config.cpp, which include it; the reader lives in io/.
#pragma once

#include "neurosim/io/trace.hpp"
