// Reading the data directory's tables: comma-separated rows under a header, '#' lines are comments.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace neurosim {

// The rows of the CSV table at `path` (each as wide as the header, which is written to `header`);
// throws naming the file when it is missing or a row has the wrong width.
std::vector<std::vector<std::string>> read_csv_rows(const std::string& path, std::vector<std::string>* header);

// The rows of the CSV table at `path`, each as column name -> text.
std::vector<std::map<std::string, std::string>> read_csv_records(const std::string& path);

// The number written as `text`; throws naming the file when it is not one.
double number_of(const std::string& text, const std::string& path);

// The text of column `key` of a record; throws naming the file and the column when it is missing.
const std::string& field_of(const std::map<std::string, std::string>& record, const std::string& key,
                            const std::string& path);

}  // namespace neurosim
