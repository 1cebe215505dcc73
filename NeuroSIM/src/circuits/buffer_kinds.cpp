// The built-in buffer cores: "register_file" and "sram".
#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/transfer.hpp"
#include "neurosim/training/leakage.hpp"

namespace neurosim {
namespace {

// The layout and timing parameters of the core blocks (BufferCore, BufferAccess) for one cell type.
BufferTimingParams timing_params(const DesignContext& ctx, const BufferShape& shape, bool sram) {
    const CellConfig& cell_config = ctx.cell_config;
    const ChipConfig& chip_config = ctx.chip_config;
    return {{shape.bits, shape.interface_bits, sram, cell_config.sram_cell_height_f, cell_config.sram_cell_width_f},
            chip_config.clock_frequency_hz,
            ctx.wire_resistance_ohm_per_m,
            cell_config.sram_access_width_f,
            cell_config.sram_nmos_width_f,
            cell_config.sram_min_sense_voltage_v};
}

template <bool kSram>
class CoreOfCells final : public BufferKind {
public:
    double area_m2(const DesignContext& ctx, const BufferShape& shape) const override {
        return BufferCore(timing_params(ctx, shape, kSram).layout, ctx.tech).area_m2();
    }
    BufferAccessCost access(const DesignContext& ctx, const BufferShape& shape) const override {
        const BufferAccess a(timing_params(ctx, shape, kSram), ctx.tech);
        return {a.line_latency_s(), a.bit_energy_j()};
    }
    double leakage_w(const DesignContext& ctx, const BufferShape& shape) const override {
        return buffer_leakage_w(shape.bits, shape.interface_bits, kSram, ctx.cell_config, ctx.tech);
    }
};

Registry<BufferKind> builtin_buffer_kinds() {
    Registry<BufferKind> r("buffer type");
    r.add("register_file", "flip-flops behind a line decoder", [] { return std::make_unique<CoreOfCells<false>>(); });
    r.add("sram", "6T SRAM cells with precharged bit lines and write drivers",
          [] { return std::make_unique<CoreOfCells<true>>(); });
    return r;
}

}  // namespace

Registry<BufferKind>& buffer_kind_registry() {
    static Registry<BufferKind> registry = builtin_buffer_kinds();
    return registry;
}

}  // namespace neurosim
