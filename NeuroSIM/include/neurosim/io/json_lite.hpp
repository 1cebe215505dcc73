// Minimal JSON reader for meta.json (objects, arrays, strings, numbers, booleans, null).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace neurosim {

struct JsonValue {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    double number = 0.0;
    std::string text;
    std::vector<JsonValue> items;
    std::map<std::string, JsonValue> members;

    // Member lookup; nullptr when absent or when this is not an object.
    const JsonValue* find(const std::string& key) const;
};

// Throws std::runtime_error with `origin` and the byte offset on malformed input, on nesting deeper
// than 64 levels and on numbers that are not finite doubles.
JsonValue parse_json(const std::string& text, const std::string& origin);

}  // namespace neurosim
