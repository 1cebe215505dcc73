// The small expression language of the rules over several hardware keys (NEUROSIM_RULE in
// hardware_keys.def). The workflow evaluates the same text (cimtrain.hardware_rules), so the
// language is kept tiny and both evaluators are held to the same answers by a test.
//
//   expression  := or
//   or          := and ("or" and)*
//   and         := not ("and" not)*
//   not         := "not" not | comparison
//   comparison  := power [("==" | "!=" | "<" | "<=" | ">" | ">=") power]   (no chains)
//   power       := atom ["**" power]
//   atom        := integer | key | choice | "given" "(" key ")" | "(" expression ")"
//
// A key stands for its value (an int or real key for a number, a bool key for true/false, a choice
// key for its choice); a choice is one of the names a choice key allows (sram, crossbar, ...), and
// is only compared (== or !=) with a choice key that allows it. given(key) is true when the
// hardware file sets the key. Every name and type is checked when the text is parsed, so a rule
// that names an unknown key cannot reach a run.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace neurosim {

// What an expression, or a key, stands for.
enum class RuleType { boolean, integer, real, choice, name };

// A value met while evaluating: a number (integer or real), true/false, or a choice's name.
struct RuleValue {
    RuleType type = RuleType::boolean;
    double number = 0;
    bool flag = false;
    std::string name;
};

// A key the language may name: its type and, for choice keys, the names it allows.
struct RuleKey {
    std::string name;
    RuleType type = RuleType::integer;  // boolean, integer, real or choice
    std::vector<std::string> choices;   // choice keys only
};

// The values of one hardware file: `value(key)` for a declared key, `given(key)` whether the file
// set it.
struct RuleInputs {
    std::function<RuleValue(const std::string&)> value;
    std::function<bool(const std::string&)> given;
};

struct RuleNode;

// One parsed expression; cheap to copy (the tree is shared and never changes).
class RuleExpression {
public:
    // Parses `text` over `keys`; throws std::invalid_argument saying what is wrong and where
    // (a syntax error, an unknown name, a choice the key does not allow, a type mismatch).
    RuleExpression(const std::string& text, const std::vector<RuleKey>& keys);

    const std::string& text() const { return text_; }
    RuleType type() const;

    // The value for one file's inputs; never throws for inputs that match the declared keys.
    RuleValue evaluate(const RuleInputs& inputs) const;

private:
    std::string text_;
    std::shared_ptr<const RuleNode> root_;
};

// A rule's message: text with {expression} placeholders, each replaced by its value (integers
// in full, reals with 6 significant digits, choices by name, true/false).
class RuleMessage {
public:
    // Parses the placeholders of `text` over `keys`; throws std::invalid_argument as RuleExpression.
    RuleMessage(const std::string& text, const std::vector<RuleKey>& keys);

    std::string format(const RuleInputs& inputs) const;

private:
    std::vector<std::string> literals_;         // literal text; one more than expressions_
    std::vector<RuleExpression> expressions_;
};

// A value as a message shows it.
std::string format_rule_value(const RuleValue& value);

}  // namespace neurosim
