// A registry of the implementations of one variation point (the ADC, the read-out, the memory cell, a
// buffer): each implementation is registered once under the name the hardware file uses for it, with a
// one-line description, and the estimator builds it by that name. A new variant is one class and one
// registration, from any translation unit (a test included), without editing the estimator.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace neurosim {

template <class Interface>
class Registry {
public:
    using Factory = std::function<std::unique_ptr<const Interface>()>;
    struct Entry {
        std::string description;
        Factory make;
    };

    // `point` names the variation point (the hardware key) in messages.
    explicit Registry(std::string point) : point_(std::move(point)) {}

    // Throws std::logic_error when `name` is already registered: a name means one implementation.
    void add(const std::string& name, const std::string& description, Factory make) {
        if (!entries_.emplace(name, Entry{description, std::move(make)}).second) {
            throw std::logic_error(point_ + ": implementation '" + name + "' registered twice");
        }
    }

    // Throws std::invalid_argument naming the registered implementations when `name` is not one of them.
    std::unique_ptr<const Interface> make(const std::string& name) const {
        const auto it = entries_.find(name);
        if (it == entries_.end()) {
            throw std::invalid_argument(point_ + " = " + name + ": not a registered implementation; use one of " +
                                        joined_names());
        }
        return it->second.make();
    }

    bool contains(const std::string& name) const { return entries_.count(name) > 0; }
    const std::string& point() const { return point_; }
    const std::map<std::string, Entry>& entries() const { return entries_; }

    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& [name, entry] : entries_) out.push_back(name);
        return out;
    }

private:
    std::string joined_names() const {
        std::string out;
        for (const auto& [name, entry] : entries_) out += (out.empty() ? "" : "|") + name;
        return out;
    }

    std::string point_;
    std::map<std::string, Entry> entries_;
};

}  // namespace neurosim
