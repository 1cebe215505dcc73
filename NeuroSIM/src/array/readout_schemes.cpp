// The built-in read-out organisations: "parallel" and "sequential".
#include "neurosim/array/readout_modes.hpp"
#include "neurosim/array/readout_scheme.hpp"
#include "neurosim/array/sub_array.hpp"

namespace neurosim {
namespace {

class ParallelReadout final : public ReadoutScheme {
public:
    bool reads_sequentially(const TrainingConfig& training, ReadDirection direction) const override {
        return direction == ReadDirection::transposed && !training.parallel_backprop;
    }
    SubArrayLayout layout(const DesignContext& ctx) const override { return parallel_subarray_layout(ctx); }
};

// A sequential sub-array has no parallel transposed periphery: both directions go line by line.
class SequentialReadout final : public ReadoutScheme {
public:
    bool reads_sequentially(const TrainingConfig&, ReadDirection) const override { return true; }
    SubArrayLayout layout(const DesignContext& ctx) const override { return sequential_subarray_layout(ctx); }
};

Registry<ReadoutScheme> builtin_readout_schemes() {
    Registry<ReadoutScheme> r("read_mode");
    r.add("parallel", "all rows at once through column ADCs", [] { return std::make_unique<ParallelReadout>(); });
    r.add("sequential", "one driven line at a time, rows summed by adders",
          [] { return std::make_unique<SequentialReadout>(); });
    return r;
}

}  // namespace

Registry<ReadoutScheme>& readout_scheme_registry() {
    static Registry<ReadoutScheme> registry = builtin_readout_schemes();
    return registry;
}

}  // namespace neurosim
