// How one database spells what views need in SQL: quoting, literals, byte-wise text order,
// ASCII lower-casing, epoch milliseconds of datetimes. The compiler (sql_compiler.h) writes
// portable SQL through it; each backend answers with its own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/data_type.h"

namespace parallax {

enum class SqlFlavor { kClickHouse, kPostgres };

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;
  // Which database: expressions (sql_expressions.h) spell their functions per database.
  virtual SqlFlavor flavor() const = 0;
  virtual std::string identifier(std::string_view name) const = 0;
  virtual std::string string_literal(std::string_view text) const = 0;
  // `expr` (text) ordered and compared byte by byte, as the engine compares strings.
  virtual std::string bytewise(const std::string& expr) const = 0;
  // `expr` (text) with A-Z lower-cased and nothing else, as the engine's pattern filters.
  virtual std::string lower_ascii(const std::string& expr) const = 0;
  // Whether text `expr` starts / ends with `literal` (both already lower-cased).
  virtual std::string starts_with(const std::string& expr, const std::string& literal) const = 0;
  virtual std::string ends_with(const std::string& expr, const std::string& literal) const = 0;
  virtual std::string contains(const std::string& expr, const std::string& literal) const = 0;
  virtual std::string date_literal(int32_t days) const = 0;
  // A datetime `expr` as whole epoch milliseconds (a 64-bit integer).
  virtual std::string epoch_millis(const std::string& expr) const = 0;
  // A boolean `expr` as 0 or 1.
  virtual std::string boolean_number(const std::string& expr) const = 0;
  virtual std::string as_float(const std::string& expr) const = 0;
  // Aggregates over a group's rows, each as the database spells it:
  // `expr` of the row with the lowest (`last`: highest) `key`, null cells included;
  virtual std::string value_by_key(const std::string& expr, const std::string& key,
                                   bool last) const = 0;
  // `expr` of the row with the lowest `number` (a null lowest of all; `highest`: the highest,
  // a null lowest too), ties by the lowest `keys` in turn (null first), null cells included;
  virtual std::string value_by_order(const std::string& expr, const std::string& number,
                                     std::span<const std::string> keys, bool highest) const = 0;
  // the `index`-th (from 1, an integer SQL expression) smallest non-null `expr`, text
  // byte-wise (anything when out of range: callers guard it);
  virtual std::string nth_smallest(const std::string& expr, const std::string& index,
                                   DataType type) const = 0;
  // the smallest of the most frequent non-null `expr` values (text byte-wise; anything when
  // every cell is null: callers guard it), and how many rows hold it (0 when none);
  virtual std::string most_frequent(const std::string& expr, DataType type) const = 0;
  virtual std::string top_frequency(const std::string& expr, DataType type) const = 0;
  // integer division of non-negative integers;
  virtual std::string int_div(const std::string& a, const std::string& b) const = 0;
  // the population variance and standard deviation of the non-null cells.
  virtual std::string variance(const std::string& expr) const = 0;
  virtual std::string deviation(const std::string& expr) const = 0;

  // A finite number as SQL: integers as such, others with every digit a double holds.
  std::string number(double value) const;
  // How a cell of Parallax type `type` computed by `expr` is selected, so that the backend's
  // text reads back as that type (see text_cells.h).
  std::string select(const std::string& expr, DataType type) const;
};

}  // namespace parallax
