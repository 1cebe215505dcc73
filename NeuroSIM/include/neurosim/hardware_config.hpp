// Hardware parameters of the training chip, read from a flat `key = value` file; every key is
// declared once, in hardware_keys.def.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace neurosim {

// The enumerators of a choice type, as written in the hardware file ("sram, rram, fefet").
template <typename E>
const char* enum_names();

#define NEUROSIM_ENUM(Type, ...)                    \
    enum class Type { __VA_ARGS__ };                \
    template <>                                     \
    inline const char* enum_names<Type>() {         \
        return #__VA_ARGS__;                        \
    }
#include "neurosim/hardware_keys.def"

// The parameter groups: one struct per NEUROSIM_GROUP of hardware_keys.def, one member per key
// of the group, with its default; each key is declared and documented there (type, unit, range,
// meaning and the blocks that read it). A circuit block reads the groups it needs (DesignContext).
#define NEUROSIM_GROUP(Type, member, meaning) struct Type {
#define NEUROSIM_END_GROUP(Type) \
    }                            \
    ;
#define NEUROSIM_CHOICE(key, Type, default_value, ...) Type key = Type::default_value;
#define NEUROSIM_INT(key, default_value, ...) int key = default_value;
#define NEUROSIM_INT_SET(key, default_value, ...) int key = default_value;
#define NEUROSIM_REAL(key, default_value, ...) double key = default_value;
#define NEUROSIM_BOOL(key, default_value, ...) bool key = default_value;
#define NEUROSIM_NAMES(key, default_value, ...) std::string key = default_value;
#include "neurosim/hardware_keys.def"

// Bits one memory cell stores: an SRAM cell always holds 1, whatever cell_bits says.
inline int stored_cell_bits(const CellConfig& cell) {
    return cell.memory_cell == MemoryCell::sram ? 1 : cell.cell_bits;
}

// The whole hardware file: every group. The parser, the rules and the top of an estimate read it;
// circuit blocks receive only their groups (a HardwareConfig converts to each of them).
struct HardwareConfig : TechnologyConfig,
                        CellConfig,
                        ArrayConfig,
                        BufferConfig,
                        InterconnectConfig,
                        ChipConfig,
                        TrainingConfig,
                        ReferenceConfig {
    int effective_cell_bits() const { return stored_cell_bits(*this); }
};

struct HardwareKeyInfo {
    std::string key;
    std::string type;  // int, real, bool, choice or names (none, all or a list of names)
    std::string unit;  // empty for counts, fractions and choices
    std::string default_value;  // as the text listing shows it
    std::string default_json;   // exact, as a JSON value
    std::string range;          // "[min, max]", "(min, max]" or "a|b|c"
    std::string description;
    std::string read_by;               // blocks whose figures the key changes, comma separated
    std::string group;                 // its parameter group, as DesignContext names it (cell_config, ...)
    double min = 0, max = 0;           // bounds of int and real keys
    bool min_exclusive = false;        // real keys: the bound min itself is excluded
    bool power_of_two = false;         // int keys
    std::vector<std::string> choices;  // choice and bool keys, int keys limited to a set, the names of names keys
};

// Every key the hardware file accepts, in declaration order.
const std::vector<HardwareKeyInfo>& hardware_keys();

// The same as a JSON array of {name, type, unit, default, range, meaning, read_by, group, power_of_two}.
std::string hardware_keys_json();

// A rule over several keys (NEUROSIM_RULE in hardware_keys.def), as declared: the key it blames,
// the condition that must hold and the message with its {expression} placeholders, both written
// in the language of rule_expression.hpp.
struct HardwareRuleInfo {
    std::string key;
    std::string holds;
    std::string message;
};

// Every rule, in declaration order, each parsed and checked against the declared keys; throws
// std::invalid_argument when a rule names an unknown key or mixes types.
const std::vector<HardwareRuleInfo>& hardware_rules();

// The same as a JSON array of {key, holds, message}.
std::string hardware_rules_json();

// Parses `key = value` text; `origin` names the file in messages. Throws std::runtime_error
// naming the key on unknown keys, bad values, out-of-range values or inconsistent combinations.
HardwareConfig parse_hardware_text(const std::string& text, const std::string& origin);
HardwareConfig read_hardware_file(const std::string& path);

// Checks combinations of keys; `explicit_keys` are the keys set in the file.
void validate_hardware(const HardwareConfig& config, const std::set<std::string>& explicit_keys);

}  // namespace neurosim
