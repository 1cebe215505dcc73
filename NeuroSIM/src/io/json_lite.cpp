#include "neurosim/io/json_lite.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace neurosim {
namespace {

class Parser {
public:
    Parser(const std::string& text, const std::string& origin) : text_(text), origin_(origin) {}

    JsonValue document() {
        JsonValue v = value();
        skip_space();
        if (pos_ != text_.size()) fail("trailing characters");
        return v;
    }

private:
    // Deeper nesting than any trace needs is an error, not a stack overflow.
    static constexpr int kMaxDepth = 64;
    const std::string& text_;
    const std::string& origin_;
    std::size_t pos_ = 0;
    int depth_ = 0;

    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error(origin_ + ": invalid JSON at byte " + std::to_string(pos_) + ": " + why);
    }
    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
            ++pos_;
        }
    }
    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!consume(c)) fail(std::string("expected '") + c + "'");
    }
    bool literal(const char* word) {
        const std::string w(word);
        if (text_.compare(pos_, w.size(), w) == 0) {
            pos_ += w.size();
            return true;
        }
        return false;
    }
    std::string string_body() {
        expect('"');
        std::string out;
        while (pos_ < text_.size() && text_[pos_] != '"') {
            char c = text_[pos_++];
            if (c == '\\') {
                if (pos_ >= text_.size()) fail("unterminated escape");
                const char e = text_[pos_++];
                switch (e) {
                    case 'n':
                        out += '\n';
                        break;
                    case 't':
                        out += '\t';
                        break;
                    case 'r':
                        out += '\r';
                        break;
                    case 'b':
                        out += '\b';
                        break;
                    case 'f':
                        out += '\f';
                        break;
                    case 'u':
                        // Non-ASCII text is irrelevant to the fields we read; keep a placeholder.
                        if (pos_ + 4 > text_.size()) fail("short \\u escape");
                        for (std::size_t k = 0; k < 4; ++k) {
                            if (!std::isxdigit(static_cast<unsigned char>(text_[pos_ + k]))) fail("bad \\u escape");
                        }
                        pos_ += 4;
                        out += '?';
                        break;
                    default:
                        out += e;
                }
            } else {
                out += c;
            }
        }
        if (pos_ >= text_.size()) fail("unterminated string");
        ++pos_;
        return out;
    }
    JsonValue value() {
        if (++depth_ > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        JsonValue v = scalar_or_container();
        --depth_;
        return v;
    }
    JsonValue scalar_or_container() {
        skip_space();
        if (pos_ >= text_.size()) fail("unexpected end");
        JsonValue v;
        const char c = text_[pos_];
        if (c == '{') {
            ++pos_;
            v.kind = JsonValue::Kind::object;
            if (consume('}')) return v;
            do {
                skip_space();
                std::string key = string_body();
                expect(':');
                v.members[key] = value();
            } while (consume(','));
            expect('}');
        } else if (c == '[') {
            ++pos_;
            v.kind = JsonValue::Kind::array;
            if (consume(']')) return v;
            do {
                v.items.push_back(value());
            } while (consume(','));
            expect(']');
        } else if (c == '"') {
            v.kind = JsonValue::Kind::string;
            v.text = string_body();
        } else if (literal("true")) {
            v.kind = JsonValue::Kind::boolean;
            v.boolean = true;
        } else if (literal("false")) {
            v.kind = JsonValue::Kind::boolean;
        } else if (literal("null")) {
            v.kind = JsonValue::Kind::null;
        } else {
            // JSON numbers start with '-' or a digit (strtod alone would take nan, inf, hex).
            if (c != '-' && !std::isdigit(static_cast<unsigned char>(c))) fail("unexpected character");
            char* end = nullptr;
            v.number = std::strtod(text_.c_str() + pos_, &end);
            if (end == text_.c_str() + pos_) fail("unexpected character");
            if (!std::isfinite(v.number)) fail("number out of range");
            pos_ = static_cast<std::size_t>(end - text_.c_str());
            v.kind = JsonValue::Kind::number;
        }
        return v;
    }
};

}  // namespace

const JsonValue* JsonValue::find(const std::string& key) const {
    if (kind != Kind::object) return nullptr;
    const auto it = members.find(key);
    return it == members.end() ? nullptr : &it->second;
}

JsonValue parse_json(const std::string& text, const std::string& origin) {
    return Parser(text, origin).document();
}

}  // namespace neurosim
