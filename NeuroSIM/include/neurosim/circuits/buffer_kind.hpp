// The buffer core, a variation point (hardware keys `global_buffer_type`, `tile_buffer_type`): the
// area, access and leakage of a core of `bits` bits read and written `interface_bits` at a time.
// Built-in implementations: "register_file" (flip-flops behind a line decoder) and "sram" (6T cells
// with precharged bit lines and write drivers). Register a new one with
// buffer_kind_registry().add(name, description, factory).
#pragma once

#include "neurosim/design.hpp"
#include "neurosim/registry.hpp"

namespace neurosim {

// The size of one buffer core.
struct BufferShape {
    double bits = 1024;           // bits held
    double interface_bits = 32;  // bits of one line, read or written together
};

// One access of a buffer core.
struct BufferAccessCost {
    double line_latency_s = 0;  // one line read or written
    double bit_energy_j = 0;    // one bit written once and read once, on average per access
};

class BufferKind {
public:
    virtual ~BufferKind() = default;
    virtual double area_m2(const DesignContext& ctx, const BufferShape& shape) const = 0;
    // Timing and energy at the chip clock and array wires of `ctx`.
    virtual BufferAccessCost access(const DesignContext& ctx, const BufferShape& shape) const = 0;
    virtual double leakage_w(const DesignContext& ctx, const BufferShape& shape) const = 0;
};

// The buffer cores the estimator knows, by the name the hardware file gives.
Registry<BufferKind>& buffer_kind_registry();

}  // namespace neurosim
