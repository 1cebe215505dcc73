// SRAM compute-in-memory unit computing weight gradients (activations x errors), and the
// accumulator that sums gradients over a batch.
#pragma once

#include "neurosim/design.hpp"

namespace neurosim {

struct WeightGradientEngineParams {
    int memory_rows = 900;   // rows needed: output pixels of the largest layer
    int memory_cols = 1024;  // columns needed: its input channels x input bits
};

class WeightGradientEngine {
public:
    WeightGradientEngine(const DesignContext& ctx, const WeightGradientEngineParams& p);
    double area_m2() const { return area_m2_; }
    int output_bits() const { return output_bits_; }  // precision of one gradient sum
    int arrays_in_row() const { return arrays_in_row_; }
    int arrays_in_col() const { return arrays_in_col_; }

private:
    int arrays_in_row_ = 0, arrays_in_col_ = 0;
    double area_m2_ = 0;
    int output_bits_ = 0;
};

// Adders accumulating `count` gradients of `bits` bits, stacked along `height_m`.
double gradient_accumulator_area_m2(const DesignContext& ctx, int bits, double count, double height_m);

}  // namespace neurosim
