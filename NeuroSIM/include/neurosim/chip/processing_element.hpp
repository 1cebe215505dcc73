// Processing element: a square of sub-arrays, the adder tree joining their partial sums, and its registers.
#pragma once

#include "neurosim/array/sub_array.hpp"
#include "neurosim/design.hpp"

namespace neurosim {

class ProcessingElement {
public:
    // `pe_size` rows = columns of weights held by the PE.
    ProcessingElement(const DesignContext& ctx, const SynapticSubArray& sub_array, double pe_size);
    int subarrays_per_side() const { return per_side_; }
    double side_m() const { return side_m_; }  // the PE is laid out square
    const AreaParts& parts() const { return parts_; }

private:
    int per_side_ = 1;
    double side_m_ = 0;
    AreaParts parts_;
};

}  // namespace neurosim
