// How the estimator reads, checks and lists each hardware key: one KeySpec per key of
// hardware_keys.def, built from its declaration. Shared by the parser, the rules and the listings
// (hardware_config.cpp); callers outside the estimator use hardware_config.hpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "neurosim/hardware_config.hpp"
#include "neurosim/rule_expression.hpp"

namespace neurosim {

// Parses one value of a key into the config; `check` re-checks a config's member against the
// declaration (for configs built in code rather than read from a file); `value` is the member as
// the rules over several keys read it.
struct KeySpec {
    HardwareKeyInfo info;
    std::function<void(HardwareConfig&, const std::string&)> set;
    std::function<void(const HardwareConfig&)> check;
    std::function<RuleValue(const HardwareConfig&)> value;
};

// Every key, in declaration order.
const std::vector<KeySpec>& key_specs();

// Text helpers the key specs and the listings share.
namespace hardware_text {
std::string trim(const std::string& s);
std::vector<std::string> split(const std::string& text, const std::string& separator);
// The shortest text that reads back as the same double.
std::string exact_number(double v);
std::string json_string(const std::string& s);
}  // namespace hardware_text

}  // namespace neurosim
