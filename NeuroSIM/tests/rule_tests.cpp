// The rules over several hardware keys: the expression language (rule_expression.hpp), every
// declared rule parsing, and the rules stopping bad hardware files.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "neurosim/hardware_config.hpp"
#include "neurosim/rule_expression.hpp"
#include "test_support.hpp"

using namespace neurosim;
using namespace neurosim::test;

namespace {

const std::vector<RuleKey> kKeys = {
    {"memory_cell", RuleType::choice, {"fefet", "rram", "sram"}},
    {"dram", RuleType::choice, {"hbm2", "gddr5"}},
    {"cell_bits", RuleType::integer, {}},
    {"max_levels_ltp", RuleType::integer, {}},
    {"resistance_on_ohm", RuleType::real, {}},
    {"pipeline", RuleType::boolean, {}},
};

RuleValue number(RuleType type, double v) {
    RuleValue value;
    value.type = type;
    value.number = v;
    return value;
}

// memory_cell = fefet, cell_bits = 5 (given), max_levels_ltp = 20, resistance_on_ohm = 2.4e5,
// pipeline = false.
RuleInputs sample_inputs() {
    RuleInputs inputs;
    inputs.value = [](const std::string& key) {
        if (key == "memory_cell" || key == "dram") {
            RuleValue v;
            v.type = RuleType::choice;
            v.name = key == "dram" ? "hbm2" : "fefet";
            return v;
        }
        if (key == "pipeline") return RuleValue{};
        if (key == "resistance_on_ohm") return number(RuleType::real, 2.4e5);
        return number(RuleType::integer, key == "cell_bits" ? 5 : 20);
    };
    inputs.given = [](const std::string& key) { return key == "cell_bits"; };
    return inputs;
}

bool holds(const std::string& text) {
    return RuleExpression(text, kKeys).evaluate(sample_inputs()).flag;
}

void test_evaluation() {
    check(holds("cell_bits == 5 and not pipeline"), "and, not, a bool key");
    check(!holds("memory_cell == sram or max_levels_ltp >= 2 ** cell_bits"), "20 levels are too few for 5 bits");
    check(holds("max_levels_ltp >= 2 ** 4"), "power of literals");
    check(holds("2 ** 2 ** 2 == 16"), "** is right-associative");
    check(holds("not not (memory_cell != rram)"), "nested not, parentheses");
    check(holds("sram != memory_cell"), "a choice on either side");
    check(holds("given(cell_bits) and not given(pipeline)"), "given");
    check(holds("pipeline or cell_bits < 6 and cell_bits > 4"), "and binds tighter than or");
    check(holds("resistance_on_ohm > 239999 and resistance_on_ohm < 240001"), "a real key");
}

void test_refusals() {
    const std::map<std::string, std::string> refused = {
        {"no_such_key > 1", "unknown name 'no_such_key'"},
        {"memory_cell == hbm2", "'hbm2' is not a choice of memory_cell"},
        {"memory_cell == dram", "cannot compare"},
        {"memory_cell < sram", "== or != only"},
        {"cell_bits > 1 > 0", "chained"},
        {"cell_bits ** pipeline > 1", "'**' needs integers"},
        {"not cell_bits", "'not' needs true/false"},
        {"cell_bits and pipeline", "'and' needs true/false"},
        {"pipeline or 1", "'or' needs true/false"},
        {"1.5 > cell_bits", "unexpected"},
        {"cell_bits > -1", "unexpected character '-'"},
        {"given(sram)", "given() takes a hardware key"},
        {"cell_bits >", "unexpected 'end of text'"},
        {"(cell_bits > 1", "expected ')'"},
        {"cell_bits = 1", "unexpected character '='"},
        {"cell_bits > 1234567890", "longer than 9 digits"},
        {"pipeline pipeline", "unexpected 'pipeline'"},
        {"__import__(cell_bits)", "unknown name"},
    };
    for (const auto& [text, needle] : refused) {
        check(throws_naming<std::invalid_argument>([&] { static_cast<void>(RuleExpression(text, kKeys)); }, needle),
              "refused: " + text + " (" + needle + ")");
    }
}

void test_messages() {
    const RuleMessage message("{max_levels_ltp} levels, {2 ** cell_bits} needed; {memory_cell}, {pipeline}, "
                              "{resistance_on_ohm} ohm",
                              kKeys);
    const std::string text = message.format(sample_inputs());
    check(text == "20 levels, 32 needed; fefet, false, 240000 ohm", "message placeholders: " + text);
    check(throws_naming<std::invalid_argument>([] { static_cast<void>(RuleMessage("a {cell_bits", kKeys)); }, "unmatched brace"),
          "unclosed placeholder");
    check(throws_naming<std::invalid_argument>([] { static_cast<void>(RuleMessage("a } b", kKeys)); }, "unmatched brace"),
          "stray closing brace");
    check(format_rule_value(number(RuleType::real, 2.4e7)) == "2.4e+07", "reals to 6 significant digits");
}

void test_declared_rules() {
    const auto& rules = hardware_rules();
    check(rules.size() >= 9, "the declared rules parse");
    for (const auto& rule : rules) check(!rule.holds.empty() && !rule.message.empty(), "rule complete: " + rule.key);
    check(hardware_rules_json().find("\"holds\": \"columns_per_adc <= subarray_cols\"") != std::string::npos,
          "JSON listing");
}

void test_rules_stop_bad_files() {
    const std::map<std::string, std::string> bad = {
        {"max_levels_ltp = 16\n", "hardware key 'max_levels_ltp': 16 levels cannot store the 5-bit cells"},
        {"cell_bits = 3\nmax_levels_ltd = 7\n", "hardware key 'max_levels_ltd': 7 levels cannot store the 3-bit"},
        {"subarray_cols = 64\ncolumns_per_adc = 128\n", "hardware key 'columns_per_adc': 128 exceeds subarray_cols = 64"},
        {"memory_cell = sram\ncell_bits = 4\n", "hardware key 'cell_bits': 4, but an SRAM cell holds 1 bit"},
        {"access_type = crossbar\n", "hardware key 'access_type': crossbar access needs memory_cell rram, not fefet"},
        {"speedup_degree = 2\n", "hardware key 'speedup_degree': 2 only applies when pipeline is true"},
    };
    for (const auto& [text, needle] : bad) {
        check(throws_naming([&] { parse_hardware_text(text, "f"); }, needle), "rejected: " + needle);
    }
    for (const char* good : {"memory_cell = sram\nmax_levels_ltp = 2\n", "cell_bits = 2\nmax_levels_ltd = 4\n",
                             "pipeline = true\nspeedup_degree = 4\n", "memory_cell = sram\ncell_bits = 1\n"}) {
        check(!throws([&] { parse_hardware_text(good, "f"); }), std::string("accepted: ") + good);
    }
}

}  // namespace

int main() {
    test_evaluation();
    test_refusals();
    test_messages();
    test_declared_rules();
    test_rules_stop_bad_files();
    return finish("all rule tests passed");
}
