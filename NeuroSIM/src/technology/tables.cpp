#include "neurosim/technology/tables.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace neurosim {

std::vector<std::vector<std::string>> read_csv_rows(const std::string& path, std::vector<std::string>* header) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": missing or unreadable technology table");
    std::vector<std::vector<std::string>> rows;
    std::string line;
    bool have_header = false;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells;
        std::istringstream stream(line);
        std::string cell;
        while (std::getline(stream, cell, ',')) cells.push_back(cell);
        if (!have_header) {
            *header = cells;
            have_header = true;
        } else {
            if (cells.size() != header->size())
                throw std::runtime_error(path + ": row with wrong number of fields: " + line);
            rows.push_back(cells);
        }
    }
    return rows;
}

double number_of(const std::string& text, const std::string& path) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') throw std::runtime_error(path + ": '" + text + "' is not a number");
    return v;
}

std::vector<std::map<std::string, std::string>> read_csv_records(const std::string& path) {
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> records;
    for (const auto& row : read_csv_rows(path, &header)) {
        std::map<std::string, std::string> record;
        for (std::size_t i = 0; i < header.size(); ++i) record[header[i]] = row[i];
        records.push_back(std::move(record));
    }
    return records;
}

const std::string& field_of(const std::map<std::string, std::string>& record, const std::string& key,
                            const std::string& path) {
    const auto it = record.find(key);
    if (it == record.end()) throw std::runtime_error(path + ": missing column '" + key + "'");
    return it->second;
}

}  // namespace neurosim
