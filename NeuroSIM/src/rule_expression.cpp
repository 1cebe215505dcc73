#include "neurosim/rule_expression.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace neurosim {

struct RuleNode {
    enum class Op { number, key, choice, given, negation, conjunction, disjunction, comparison, power };
    Op op = Op::number;
    RuleType type = RuleType::boolean;
    double number = 0;                  // number literals
    std::string name;                   // key, choice, given's key, or the comparison operator
    std::vector<std::string> choices;   // choice keys: the names they allow
    std::vector<std::shared_ptr<const RuleNode>> args;
};

namespace {

using NodePtr = std::shared_ptr<const RuleNode>;

// Integer literals stay far inside the range where a double counts exactly.
constexpr std::size_t kMaxLiteralDigits = 9;

struct Token {
    enum class Kind { word, integer, symbol, end };
    Kind kind = Kind::end;
    std::string text;
    std::size_t at = 0;  // offset in the expression, for messages
};

bool is_word_start(char ch) {
    return std::isalpha(static_cast<unsigned char>(ch)) || ch == '_';
}

bool is_word_char(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
}

bool is_keyword(const std::string& word) {
    return word == "and" || word == "or" || word == "not" || word == "given";
}

bool is_number(RuleType type) {
    return type == RuleType::integer || type == RuleType::real;
}

const char* type_name(RuleType type) {
    switch (type) {
        case RuleType::boolean: return "true/false";
        case RuleType::integer: return "an integer";
        case RuleType::real: return "a number";
        case RuleType::choice: return "a choice key";
        case RuleType::name: return "a choice";
    }
    return "?";
}

class Parser {
public:
    Parser(const std::string& text, const std::vector<RuleKey>& keys) : text_(text), keys_(keys) {
        tokenize();
    }

    NodePtr parse() {
        NodePtr root = disjunction();
        if (peek().kind != Token::Kind::end) fail("unexpected '" + peek().text + "'");
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument("rule expression '" + text_ + "': " + what);
    }

    void tokenize() {
        std::size_t i = 0;
        while (i < text_.size()) {
            const char ch = text_[i];
            if (std::isspace(static_cast<unsigned char>(ch))) {
                ++i;
            } else if (is_word_start(ch)) {
                const std::size_t begin = i;
                while (i < text_.size() && is_word_char(text_[i])) ++i;
                tokens_.push_back({Token::Kind::word, text_.substr(begin, i - begin), begin});
            } else if (std::isdigit(static_cast<unsigned char>(ch))) {
                const std::size_t begin = i;
                while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
                if (i - begin > kMaxLiteralDigits) fail("integer literal longer than 9 digits");
                tokens_.push_back({Token::Kind::integer, text_.substr(begin, i - begin), begin});
            } else {
                static const char* const symbols[] = {"==", "!=", "<=", ">=", "**", "<", ">", "(", ")"};
                const auto it = std::find_if(std::begin(symbols), std::end(symbols),
                                             [&](const char* s) { return text_.compare(i, std::string(s).size(), s) == 0; });
                if (it == std::end(symbols)) fail(std::string("unexpected character '") + ch + "'");
                tokens_.push_back({Token::Kind::symbol, *it, i});
                i += std::string(*it).size();
            }
        }
        tokens_.push_back({Token::Kind::end, "end of text", text_.size()});
    }

    const Token& peek() const { return tokens_[next_]; }
    bool at_word(const char* word) const { return peek().kind == Token::Kind::word && peek().text == word; }
    bool at_symbol(const char* symbol) const { return peek().kind == Token::Kind::symbol && peek().text == symbol; }
    const Token& take() { return tokens_[next_++]; }

    void expect_symbol(const char* symbol) {
        if (!at_symbol(symbol)) fail(std::string("expected '") + symbol + "', got '" + peek().text + "'");
        take();
    }

    const RuleKey* find_key(const std::string& name) const {
        const auto it = std::find_if(keys_.begin(), keys_.end(), [&](const RuleKey& k) { return k.name == name; });
        return it == keys_.end() ? nullptr : &*it;
    }

    bool is_choice(const std::string& name) const {
        return std::any_of(keys_.begin(), keys_.end(), [&](const RuleKey& k) {
            return std::find(k.choices.begin(), k.choices.end(), name) != k.choices.end();
        });
    }

    NodePtr boolean_operand(NodePtr node, const char* op) const {
        if (node->type != RuleType::boolean) fail(std::string("'") + op + "' needs true/false operands");
        return node;
    }

    NodePtr combine(RuleNode::Op op, RuleType type, std::vector<NodePtr> args, const std::string& name = "") const {
        auto node = std::make_shared<RuleNode>();
        node->op = op;
        node->type = type;
        node->name = name;
        node->args = std::move(args);
        return node;
    }

    NodePtr disjunction() {
        NodePtr left = conjunction();
        if (!at_word("or")) return left;
        boolean_operand(left, "or");
        while (at_word("or")) {
            take();
            left = combine(RuleNode::Op::disjunction, RuleType::boolean, {left, boolean_operand(conjunction(), "or")});
        }
        return left;
    }

    NodePtr conjunction() {
        NodePtr left = negation();
        if (!at_word("and")) return left;
        boolean_operand(left, "and");
        while (at_word("and")) {
            take();
            left = combine(RuleNode::Op::conjunction, RuleType::boolean, {left, boolean_operand(negation(), "and")});
        }
        return left;
    }

    NodePtr negation() {
        if (!at_word("not")) return comparison();
        take();
        return combine(RuleNode::Op::negation, RuleType::boolean, {boolean_operand(negation(), "not")});
    }

    static bool is_comparison(const Token& t) {
        return t.kind == Token::Kind::symbol && t.text != "(" && t.text != ")" && t.text != "**";
    }

    // A choice key against one of its choices, or two numbers.
    void check_comparable(const NodePtr& left, const std::string& op, const NodePtr& right) const {
        if (is_number(left->type) && is_number(right->type)) return;
        const bool key_first = left->type == RuleType::choice && right->type == RuleType::name;
        const bool name_first = left->type == RuleType::name && right->type == RuleType::choice;
        if (!key_first && !name_first) {
            fail(std::string("cannot compare ") + type_name(left->type) + " with " + type_name(right->type));
        }
        if (op != "==" && op != "!=") fail("choices are compared with == or != only");
        const RuleNode& key = key_first ? *left : *right;
        const std::string& choice = key_first ? right->name : left->name;
        if (std::find(key.choices.begin(), key.choices.end(), choice) == key.choices.end()) {
            fail("'" + choice + "' is not a choice of " + key.name);
        }
    }

    NodePtr comparison() {
        NodePtr left = power();
        if (!is_comparison(peek())) return left;
        const std::string op = take().text;
        NodePtr right = power();
        check_comparable(left, op, right);
        if (is_comparison(peek())) fail("chained comparisons are not allowed; join them with 'and'");
        return combine(RuleNode::Op::comparison, RuleType::boolean, {left, right}, op);
    }

    NodePtr power() {
        NodePtr base = atom();
        if (!at_symbol("**")) return base;
        take();
        NodePtr exponent = power();
        if (base->type != RuleType::integer || exponent->type != RuleType::integer) fail("'**' needs integers");
        return combine(RuleNode::Op::power, RuleType::integer, {base, exponent});
    }

    NodePtr atom() {
        const Token& token = take();
        if (token.kind == Token::Kind::integer) {
            auto node = std::make_shared<RuleNode>();
            node->op = RuleNode::Op::number;
            node->type = RuleType::integer;
            node->number = std::stod(token.text);
            return node;
        }
        if (token.kind == Token::Kind::symbol && token.text == "(") {
            NodePtr inner = disjunction();
            expect_symbol(")");
            return inner;
        }
        if (token.kind != Token::Kind::word || (is_keyword(token.text) && token.text != "given")) {
            fail("unexpected '" + token.text + "'");
        }
        if (token.text == "given") return given();
        auto node = std::make_shared<RuleNode>();
        node->name = token.text;
        if (const RuleKey* key = find_key(token.text)) {
            node->op = RuleNode::Op::key;
            node->type = key->type;
            node->choices = key->choices;
        } else if (is_choice(token.text)) {
            node->op = RuleNode::Op::choice;
            node->type = RuleType::name;
        } else {
            fail("unknown name '" + token.text + "' (neither a hardware key nor a choice)");
        }
        return node;
    }

    NodePtr given() {
        expect_symbol("(");
        const Token& token = take();
        if (token.kind != Token::Kind::word || !find_key(token.text)) fail("given() takes a hardware key");
        expect_symbol(")");
        auto node = std::make_shared<RuleNode>();
        node->op = RuleNode::Op::given;
        node->type = RuleType::boolean;
        node->name = token.text;
        return node;
    }

    std::string text_;
    const std::vector<RuleKey>& keys_;
    std::vector<Token> tokens_;
    std::size_t next_ = 0;
};

RuleValue boolean(bool flag) {
    RuleValue v;
    v.type = RuleType::boolean;
    v.flag = flag;
    return v;
}

bool compare(const RuleValue& a, const std::string& op, const RuleValue& b) {
    if (a.type == RuleType::choice || a.type == RuleType::name) return (a.name == b.name) == (op == "==");
    if (op == "==") return a.number == b.number;
    if (op == "!=") return a.number != b.number;
    if (op == "<") return a.number < b.number;
    if (op == "<=") return a.number <= b.number;
    if (op == ">") return a.number > b.number;
    return a.number >= b.number;
}

RuleValue evaluate_node(const RuleNode& node, const RuleInputs& inputs) {
    switch (node.op) {
        case RuleNode::Op::number: {
            RuleValue v;
            v.type = RuleType::integer;
            v.number = node.number;
            return v;
        }
        case RuleNode::Op::key: return inputs.value(node.name);
        case RuleNode::Op::choice: {
            RuleValue v;
            v.type = RuleType::name;
            v.name = node.name;
            return v;
        }
        case RuleNode::Op::given: return boolean(inputs.given(node.name));
        case RuleNode::Op::negation: return boolean(!evaluate_node(*node.args[0], inputs).flag);
        case RuleNode::Op::conjunction:
            return boolean(evaluate_node(*node.args[0], inputs).flag && evaluate_node(*node.args[1], inputs).flag);
        case RuleNode::Op::disjunction:
            return boolean(evaluate_node(*node.args[0], inputs).flag || evaluate_node(*node.args[1], inputs).flag);
        case RuleNode::Op::comparison:
            return boolean(compare(evaluate_node(*node.args[0], inputs), node.name,
                                   evaluate_node(*node.args[1], inputs)));
        case RuleNode::Op::power: {
            RuleValue v;
            v.type = RuleType::integer;
            v.number = std::pow(evaluate_node(*node.args[0], inputs).number, evaluate_node(*node.args[1], inputs).number);
            return v;
        }
    }
    return boolean(false);
}

}  // namespace

RuleExpression::RuleExpression(const std::string& text, const std::vector<RuleKey>& keys)
    : text_(text), root_(Parser(text, keys).parse()) {}

RuleType RuleExpression::type() const {
    return root_->type;
}

RuleValue RuleExpression::evaluate(const RuleInputs& inputs) const {
    return evaluate_node(*root_, inputs);
}

RuleMessage::RuleMessage(const std::string& text, const std::vector<RuleKey>& keys) {
    std::size_t begin = 0;
    while (true) {
        const auto open = text.find_first_of("{}", begin);
        if (open == std::string::npos) break;
        const auto close = text.find_first_of("{}", open + 1);
        if (text[open] != '{' || close == std::string::npos || text[close] != '}') {
            throw std::invalid_argument("rule message '" + text + "': unmatched brace");
        }
        literals_.push_back(text.substr(begin, open - begin));
        expressions_.emplace_back(text.substr(open + 1, close - open - 1), keys);
        begin = close + 1;
    }
    literals_.push_back(text.substr(begin));
}

std::string RuleMessage::format(const RuleInputs& inputs) const {
    std::string out = literals_[0];
    for (std::size_t i = 0; i < expressions_.size(); ++i) {
        out += format_rule_value(expressions_[i].evaluate(inputs)) + literals_[i + 1];
    }
    return out;
}

std::string format_rule_value(const RuleValue& value) {
    switch (value.type) {
        case RuleType::boolean: return value.flag ? "true" : "false";
        case RuleType::choice:
        case RuleType::name: return value.name;
        case RuleType::integer:
            if (std::abs(value.number) < 1e18) return std::to_string(static_cast<long long>(value.number));
            break;
        case RuleType::real: break;
    }
    std::ostringstream out;
    out << value.number;  // six significant digits, as Python's format(x, "g")
    return out.str();
}

}  // namespace neurosim
