// Tests of the reference quirks (quirks.hpp): the registry, the parsing of the hardware key
// reference_quirks, and the design context that hands each block its switch. Plain checks.
#include <set>
#include <string>

#include "neurosim/design.hpp"
#include "neurosim/hardware_config.hpp"
#include "neurosim/io/trace.hpp"
#include "neurosim/quirks.hpp"
#include "neurosim/variants.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

void test_registry_lists_every_quirk_once() {
    const auto& quirks = quirk_registry();
    check(quirks.size() == static_cast<std::size_t>(Quirk::count), "one registry entry per Quirk");
    std::set<std::string> names;
    std::set<int> ids;
    for (const auto& q : quirks) {
        names.insert(q.name);
        ids.insert(static_cast<int>(q.id));
        check(std::string(q.meaning).size() > 20 && std::string(q.block).size() > 3,
              std::string(q.name) + ": a block and a one-line meaning");
        check(std::string(q.name) != "none" && std::string(q.name) != "all", "none and all are not quirks");
    }
    check(names.size() == quirks.size() && ids.size() == quirks.size(), "names and ids are unique");
}

void test_parse_and_describe() {
    const std::string first = quirk_registry().front().name, last = quirk_registry().back().name;
    check(QuirkSet::parse("none").empty() && QuirkSet::parse(" none ").describe() == "none", "none: no quirk");
    const QuirkSet all = QuirkSet::parse("all");
    for (const auto& q : quirk_registry()) check(all.has(q.id), std::string("all has ") + q.name);
    check(all.describe() == "all", "all describes itself as all");
    const QuirkSet two = QuirkSet::parse(last + ",  " + first);
    check(two.has(quirk_registry().front().id) && two.has(quirk_registry().back().id), "a list sets its quirks");
    check(two.describe() == first + " " + last, "a list is described in registry order");
    std::string every;
    for (const auto& q : quirk_registry()) every += std::string(q.name) + " ";
    check(QuirkSet::parse(every).describe() == "all", "every name listed is all");
    check(throws_naming<std::invalid_argument>([] { QuirkSet::parse("bogus"); }, "unknown quirk 'bogus'"),
          "an unknown name is refused, named");
    check(throws_naming<std::invalid_argument>([] { QuirkSet::parse("none all"); }, "unknown quirk 'none'"),
          "none and all only alone");
    check(throws_naming<std::invalid_argument>([] { QuirkSet::parse(" , "); }, "no quirk named"),
          "an empty list is refused");
}

void test_hardware_key_reaches_the_design_context() {
    const std::string name = quirk_registry().front().name;
    const HardwareConfig none = parse_hardware_text("", "test");
    check(none.reference_quirks == "none", "the default is none");
    const HardwareConfig one = parse_hardware_text("reference_quirks = " + name + "\n", "test");
    const TechnologyNode t = tech();
    const DesignContext with_one(one, t), without(none, t);
    check(with_one.quirk(quirk_registry().front().id), "the context answers for the quirk set");
    check(!with_one.quirk(quirk_registry().back().id), "and only for it");
    check(!without.quirk(quirk_registry().front().id), "none sets no quirk");
    check(throws_naming([] { parse_hardware_text("reference_quirks = warp\n", "hw.txt"); },
                        "hw.txt:1: hardware key 'reference_quirks': value 'warp' is invalid"),
          "the parser names file, line, key and value");
}

void test_output_pixels_true_or_unpadded() {
    LayerShape conv;  // 16x16 input, 3x3 kernel, 'same' padding
    conv.ifm_h = conv.ifm_w = 16;
    conv.k_h = conv.k_w = 3;
    conv.padding = 1;
    check(conv.counted_output_pixels(false) == 256, "'same' padding: every input pixel gives an output");
    check(conv.counted_output_pixels(true) == 14 * 14, "the reference's count: (16 - 3 + 1)^2");
    conv.stride = 2;
    check(conv.counted_output_pixels(false) == 8 * 8, "stride 2: ceil(16 / 2) per side");
    check(conv.counted_output_pixels(true) == 7 * 7, "the reference's count: (16 - 3) / 2 + 1 per side");
    LayerShape fc;  // a fully connected layer: one output pixel either way
    check(fc.counted_output_pixels(false) == 1 && fc.counted_output_pixels(true) == 1, "fc: one pixel");
}

}  // namespace

int main() {
    return finish("all quirk tests passed", [] {
        test_registry_lists_every_quirk_once();
        test_parse_and_describe();
        test_hardware_key_reaches_the_design_context();
        test_output_pixels_true_or_unpadded();
    });
}
