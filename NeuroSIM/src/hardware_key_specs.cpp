#include "neurosim/hardware_key_specs.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "neurosim/quirks.hpp"

namespace neurosim {
namespace hardware_text {

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return "";
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (true) {
        const auto end = text.find(separator, begin);
        parts.push_back(trim(text.substr(begin, end - begin)));
        if (end == std::string::npos) return parts;
        begin = end + separator.size();
    }
}

// The shortest text that reads back as the same double, for the JSON listing.
std::string exact_number(double v) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, v);
    return std::string(text, result.ptr);
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", ch);
            out += escaped;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

}  // namespace hardware_text

namespace {

using hardware_text::exact_number;
using hardware_text::json_string;
using hardware_text::split;
using hardware_text::trim;

RuleValue number_value(RuleType type, double number) {
    RuleValue v;
    v.type = type;
    v.number = number;
    return v;
}

// Six significant digits, for messages and the text listing.
std::string format_number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

[[noreturn]] void bad_value(const std::string& key, const std::string& value, const std::string& expected) {
    throw std::runtime_error("hardware key '" + key + "': value '" + value + "' is invalid; expected " + expected);
}

bool is_power_of_two(long v) {
    return v > 0 && (v & (v - 1)) == 0;
}

long parse_integer(const std::string& key, const std::string& value) {
    errno = 0;
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || end != value.c_str() + value.size() || errno != 0) bad_value(key, value, "an integer");
    return v;
}

double parse_real(const std::string& key, const std::string& value) {
    // Decimal only: strtod would also take hexadecimal floats, "nan" and "inf".
    if (value.find_first_not_of("0123456789+-.eE") != std::string::npos) bad_value(key, value, "a finite number");
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || errno != 0 || !std::isfinite(v)) {
        bad_value(key, value, "a finite number");
    }
    return v;
}

KeySpec int_key(int HardwareConfig::* member, HardwareKeyInfo info) {
    info.type = "int";
    info.default_value = std::to_string(HardwareConfig{}.*member);
    info.default_json = info.default_value;
    const std::string expected =
        info.choices.empty() ? "an integer in " + info.range + (info.power_of_two ? " and a power of two" : "")
                             : "one of " + info.range;
    const auto check = [info, expected](long v) {
        const bool in_set = std::find(info.choices.begin(), info.choices.end(), std::to_string(v)) != info.choices.end();
        const bool allowed = info.choices.empty()
                                 ? v >= info.min && v <= info.max && (!info.power_of_two || is_power_of_two(v))
                                 : in_set;
        if (!allowed) bad_value(info.key, std::to_string(v), expected);
    };
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                const long v = parse_integer(info.key, value);
                check(v);
                c.*member = static_cast<int>(v);
            },
            [=](const HardwareConfig& c) { check(c.*member); },
            [=](const HardwareConfig& c) { return number_value(RuleType::integer, c.*member); }};
}

KeySpec bounded_int(int HardwareConfig::* member, HardwareKeyInfo info, long lo, long hi, bool power_of_two) {
    info.min = static_cast<double>(lo);
    info.max = static_cast<double>(hi);
    info.power_of_two = power_of_two;
    info.range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    return int_key(member, info);
}

KeySpec int_in_set(int HardwareConfig::* member, HardwareKeyInfo info, const std::string& values) {
    info.choices = split(values, "|");
    info.range = values;
    return int_key(member, info);
}

KeySpec real_key(double HardwareConfig::* member, HardwareKeyInfo info, double lo, double hi, bool lo_exclusive) {
    info.type = "real";
    info.default_value = format_number(HardwareConfig{}.*member);
    info.default_json = exact_number(HardwareConfig{}.*member);
    info.min = lo;
    info.max = hi;
    info.min_exclusive = lo_exclusive;
    info.range = std::string(lo_exclusive ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + "]";
    const auto check = [info](double v, const std::string& text) {
        if (v < info.min || v > info.max || (info.min_exclusive && v == info.min)) {
            bad_value(info.key, text, "a number in " + info.range);
        }
    };
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                const double v = parse_real(info.key, value);
                check(v, value);
                c.*member = v;
            },
            [=](const HardwareConfig& c) {
                if (!std::isfinite(c.*member)) bad_value(info.key, format_number(c.*member), "a finite number");
                check(c.*member, format_number(c.*member));
            },
            [=](const HardwareConfig& c) { return number_value(RuleType::real, c.*member); }};
}

KeySpec bool_key(bool HardwareConfig::* member, HardwareKeyInfo info) {
    info.type = "bool";
    info.default_value = HardwareConfig{}.*member ? "true" : "false";
    info.default_json = info.default_value;
    info.range = "true|false";
    info.choices = {"false", "true"};
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                if (value != "true" && value != "false") bad_value(info.key, value, "true or false");
                c.*member = value == "true";
            },
            [](const HardwareConfig&) {},
            [=](const HardwareConfig& c) {
                RuleValue v;
                v.type = RuleType::boolean;
                v.flag = c.*member;
                return v;
            }};
}

template <typename E>
KeySpec choice_key(E HardwareConfig::* member, HardwareKeyInfo info, const std::string& allowed) {
    const std::vector<std::string> enumerators = split(enum_names<E>(), ",");
    const auto value_of = [enumerators, key = info.key](const std::string& name) {
        const auto it = std::find(enumerators.begin(), enumerators.end(), name);
        if (it == enumerators.end()) throw std::logic_error("hardware key '" + key + "': no choice named " + name);
        return static_cast<E>(it - enumerators.begin());
    };
    info.type = "choice";
    info.default_value = enumerators.at(static_cast<std::size_t>(HardwareConfig{}.*member));
    info.default_json = json_string(info.default_value);
    info.range = allowed;
    info.choices = split(allowed, "|");
    for (const auto& name : info.choices) value_of(name);  // every allowed name is a choice of E
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                if (std::find(info.choices.begin(), info.choices.end(), value) == info.choices.end()) {
                    bad_value(info.key, value, "one of " + allowed);
                }
                c.*member = value_of(value);
            },
            [=](const HardwareConfig& c) {
                const std::string& name = enumerators.at(static_cast<std::size_t>(c.*member));
                if (std::find(info.choices.begin(), info.choices.end(), name) == info.choices.end()) {
                    bad_value(info.key, name, "one of " + allowed);
                }
            },
            [=](const HardwareConfig& c) {
                RuleValue v;
                v.type = RuleType::choice;
                v.name = enumerators.at(static_cast<std::size_t>(c.*member));
                return v;
            }};
}

// none, all, or a list of the registered names separated by commas and/or spaces.
KeySpec names_key(std::string HardwareConfig::* member, HardwareKeyInfo info,
                  const std::function<std::vector<std::string>()>& names) {
    info.type = "names";
    info.default_value = HardwareConfig{}.*member;
    info.default_json = json_string(info.default_value);
    info.choices = names();
    info.range = "none|all|list of ";
    for (std::size_t i = 0; i < info.choices.size(); ++i) info.range += (i ? "," : "") + info.choices[i];
    const auto check = [info](const std::string& value) {
        try {
            QuirkSet::parse(value);
        } catch (const std::invalid_argument& e) {
            bad_value(info.key, value, std::string("none, all or a list of names (") + e.what() + ")");
        }
    };
    return {info,
            [=](HardwareConfig& c, const std::string& value) {
                check(value);
                c.*member = value;
            },
            [=](const HardwareConfig& c) { check(c.*member); },
            [=](const HardwareConfig& c) {  // rules do not read names keys (see rule_keys)
                RuleValue v;
                v.type = RuleType::choice;
                v.name = c.*member;
                return v;
            }};
}

// The DesignContext member of each parameter group, found from the group a key's member belongs to.
template <typename Group>
const char* group_member();
#define NEUROSIM_GROUP(Type, member, meaning) \
    template <>                               \
    const char* group_member<Type>() {        \
        return #member;                       \
    }
#include "neurosim/hardware_keys.def"

template <typename Group, typename T>
const char* group_of(T Group::*) {
    return group_member<Group>();
}

HardwareKeyInfo describe(const char* key, const char* group, const char* unit, const char* read_by,
                         const char* meaning) {
    HardwareKeyInfo info;
    info.key = key;
    info.group = group;
    info.unit = unit;
    info.read_by = read_by;
    info.description = meaning;
    return info;
}

}  // namespace

const std::vector<KeySpec>& key_specs() {
    using C = HardwareConfig;
    static const std::vector<KeySpec> specs = {
#define NEUROSIM_CHOICE(key, Type, default_value, choices, read_by, meaning) \
    choice_key<Type>(&C::key, describe(#key, group_of(&C::key), "", read_by, meaning), choices),
#define NEUROSIM_INT(key, default_value, min, max, power_of_two, unit, read_by, meaning) \
    bounded_int(&C::key, describe(#key, group_of(&C::key), unit, read_by, meaning), min, max, power_of_two),
#define NEUROSIM_INT_SET(key, default_value, values, unit, read_by, meaning) \
    int_in_set(&C::key, describe(#key, group_of(&C::key), unit, read_by, meaning), values),
#define NEUROSIM_REAL(key, default_value, min, max, min_exclusive, unit, read_by, meaning) \
    real_key(&C::key, describe(#key, group_of(&C::key), unit, read_by, meaning), min, max, min_exclusive),
#define NEUROSIM_BOOL(key, default_value, read_by, meaning) \
    bool_key(&C::key, describe(#key, group_of(&C::key), "", read_by, meaning)),
#define NEUROSIM_NAMES(key, default_value, names, read_by, meaning) \
    names_key(&C::key, describe(#key, group_of(&C::key), "", read_by, meaning), names),
#include "neurosim/hardware_keys.def"
    };
    return specs;
}

}  // namespace neurosim
