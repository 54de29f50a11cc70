// The same generated orders loaded into the in-memory engine and into a database (ClickHouse,
// PostgreSQL, or ClickHouse shards behind a Distributed table); generated view configs
// (flat and grouped; filtered, sorted, windowed, expanded and collapsed) run on both, and
// every answer must be the same: to_json, to_columns, to_csv, num_rows, schema,
// column_paths, min_max. Float cells may differ in their last bits, because a database adds
// a group's floats up in another order: they must agree to 1e-9 relative (sums of at most
// a few thousand prices; docs/virtual-tables.md).
//
// Run under tests/virtual/db_servers.py, which starts the servers and names them in
// PARALLAX_TEST_CLICKHOUSE, PARALLAX_TEST_CLICKHOUSE_SHARDS and PARALLAX_TEST_POSTGRES;
// a backend not named is skipped.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "api/view_output.h"
#include "core/temporal.h"
#include "server/features.h"
#include "server/protocol_convert.h"
#include "virtual/backend.h"
#include "virtual/virtual_table.h"

namespace parallax {
namespace {

constexpr size_t kRows = 3000;
constexpr int kConfigs = 150;
// Then configs with generated expression columns (Generator::expression).
constexpr int kExpressionConfigs = 150;
const char* const kRegions[] = {"East", "west", "North", "O'Neil \\ tab\there", "south", "Ébène"};
const char* const kProducts[] = {"apple", "Apricot", "banana", "cherry", "date",
                                 "elder", "fig",     "grape",  "kiwi",   "lemon"};

struct Row {
  int32_t id;
  std::optional<std::string> region, product;
  std::optional<int32_t> qty;
  std::optional<double> price;
  std::optional<bool> flag;
  std::optional<int32_t> day;  // days since the epoch
  std::optional<int64_t> ts;   // whole seconds, as milliseconds
};

std::vector<Row> generate_rows() {
  std::mt19937 random(20261207);
  auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  std::vector<Row> rows;
  for (size_t i = 0; i < kRows; ++i) {
    Row row;
    row.id = static_cast<int32_t>(i * 7 % kRows) + 1;  // not in insertion order
    if (!chance(5)) row.region = kRegions[random() % 6];
    if (!chance(3)) row.product = kProducts[random() % 10];
    if (!chance(8)) row.qty = static_cast<int32_t>(random() % 200) - 20;
    if (!chance(8))
      row.price = static_cast<double>(static_cast<int>(random() % 100000) - 5000) / 100.0;
    if (!chance(5)) row.flag = chance(50);
    if (!chance(5)) row.day = 19700 + static_cast<int32_t>(random() % 60);
    if (!chance(5)) row.ts = (1700000000LL + static_cast<int64_t>(random() % 5000000)) * 1000;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\t') {
      out += "\\t";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string number_text(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

struct Loaded {
  Engine engine;
  bool booleans = false;
};

// The rows as JSON for the engine.
std::string rows_json(const std::vector<Row>& rows, bool booleans) {
  std::string json = "[";
  for (const auto& row : rows) {
    if (json.size() > 1) json += ",";
    json += "{\"id\":" + std::to_string(row.id);
    json += ",\"region\":" + (row.region ? json_string(*row.region) : "null");
    json += ",\"product\":" + (row.product ? json_string(*row.product) : "null");
    json += ",\"qty\":" + (row.qty ? std::to_string(*row.qty) : "null");
    json += ",\"price\":" + (row.price ? number_text(*row.price) : "null");
    if (booleans)
      json += std::string(",\"flag\":") + (row.flag ? (*row.flag ? "true" : "false") : "null");
    json += ",\"day\":" + (row.day ? "\"" + format_date_iso(*row.day) + "\"" : "null");
    json += ",\"ts\":" + (row.ts ? std::to_string(*row.ts) : "null") + "}";
  }
  return json + "]";
}

// The rows as SQL VALUES for the database.
std::string rows_sql(const std::vector<Row>& rows, const SqlDialect& d, bool booleans) {
  std::string sql;
  for (const auto& row : rows) {
    if (!sql.empty()) sql += ",";
    sql += "(" + std::to_string(row.id);
    sql += "," + (row.region ? d.string_literal(*row.region) : "NULL");
    sql += "," + (row.product ? d.string_literal(*row.product) : "NULL");
    sql += "," + (row.qty ? std::to_string(*row.qty) : "NULL");
    sql += "," + (row.price ? number_text(*row.price) : "NULL");
    if (booleans) sql += std::string(",") + (row.flag ? (*row.flag ? "true" : "false") : "NULL");
    sql += "," + (row.day ? d.string_literal(format_date_iso(*row.day)) : "NULL");
    std::string ts = row.ts ? format_datetime_iso(*row.ts) : "";
    if (!ts.empty()) ts = ts.substr(0, 19), ts[10] = ' ';
    sql += "," + (row.ts ? d.string_literal(ts) : "NULL") + ")";
  }
  return sql;
}

// Compares two JSON answers: equal, but floats to 1e-9 relative.
bool same_json(simdjson::dom::element a, simdjson::dom::element b, std::string& where) {
  using simdjson::dom::element_type;
  const bool a_number = a.is_number(), b_number = b.is_number();
  if (a_number && b_number) {
    const double x = double(a), y = double(b);
    // (Near zero, 1e-9 absolute: a sum that cancels to 0 in one order is 1e-17 in another.)
    if (x == y || std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)}))
      return true;
    where = number_text(x) + " vs " + number_text(y);
    return false;
  }
  if (a.type() != b.type()) {
    where = "types differ: " + simdjson::to_string(a) + " vs " + simdjson::to_string(b);
    return false;
  }
  if (a.is_array()) {
    simdjson::dom::array x = a, y = b;
    if (x.size() != y.size()) {
      where = "lengths " + std::to_string(x.size()) + " vs " + std::to_string(y.size());
      return false;
    }
    auto j = y.begin();
    for (auto i = x.begin(); i != x.end(); ++i, ++j) {
      if (!same_json(*i, *j, where)) return false;
    }
    return true;
  }
  if (a.is_object()) {
    simdjson::dom::object x = a, y = b;
    if (x.size() != y.size()) {
      where = "keys " + simdjson::to_string(a).substr(0, 200) + " vs " +
              simdjson::to_string(b).substr(0, 200);
      return false;
    }
    auto j = y.begin();
    for (auto i = x.begin(); i != x.end(); ++i, ++j) {
      if (i.key() != j.key()) {
        where = "key " + std::string(i.key()) + " vs " + std::string(j.key());
        return false;
      }
      if (!same_json(i.value(), j.value(), where)) {
        where = std::string(i.key()) + ": " + where;
        return false;
      }
    }
    return true;
  }
  if (simdjson::to_string(a) == simdjson::to_string(b)) return true;
  where = simdjson::to_string(a) + " vs " + simdjson::to_string(b);
  return false;
}

// Compares CSV text, numbers to 1e-9 relative.
bool same_csv(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto fields = [](const std::string& text) {
    std::vector<std::string> out(1);
    for (const char c : text) {
      if (c == ',' || c == '\n') {
        out.emplace_back();
      } else {
        out.back() += c;
      }
    }
    return out;
  };
  const auto x = fields(a), y = fields(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == y[i]) continue;
    char* end_x = nullptr;
    char* end_y = nullptr;
    const double p = std::strtod(x[i].c_str(), &end_x), q = std::strtod(y[i].c_str(), &end_y);
    if (*end_x || *end_y || x[i].empty()) return false;
    if (std::fabs(p - q) > 1e-9 * std::max({1.0, std::fabs(p), std::fabs(q)})) return false;
  }
  return true;
}

class Generator {
 public:
  Generator(uint32_t seed, bool booleans) : random_(seed), booleans_(booleans) {}

  std::string config(bool grouped, bool with_expressions = false) {
    split_ = false;
    std::vector<std::string> columns = {"id", "region", "product", "qty", "price", "day", "ts"};
    if (booleans_) columns.push_back("flag");
    std::vector<std::string> group_keys = {"region", "product", "day", "qty", "ts"};
    if (booleans_) group_keys.push_back("flag");
    std::vector<std::string> splits = {"region", "product", "day"};
    if (booleans_) splits.push_back("flag");
    std::string json = "{";
    if (with_expressions) {
      // One to three expression columns, shown, grouped, split, filtered, sorted and
      // aggregated like the table's own.
      kinds_.clear();
      std::string expressions;
      const int count = 1 + static_cast<int>(random_() % 3);
      for (int i = 0; i < count; ++i) {
        const std::string name = "e" + std::to_string(i);
        const char kind = "nnnsbdt"[random_() % 7];
        const std::string text = expression(kind, 0);
        kinds_[name] = kind;
        expressions +=
            (expressions.empty() ? "" : ",") + json_string(name) + ":" + json_string(text);
        columns.push_back(name);
        columns.push_back(name);  // (more likely to be picked)
        group_keys.push_back(name);
        if (kind == 's' || kind == 'b') splits.push_back(name);
      }
      json += "\"expressions\":{" + expressions + "},";
    }
    std::vector<std::string> shown;
    for (const auto& column : columns) {
      if (chance(45) && std::find(shown.begin(), shown.end(), column) == shown.end())
        shown.push_back(column);
    }
    if (shown.empty()) shown.push_back(pick(columns));
    json += "\"columns\":" + list(shown);
    if (grouped) {
      std::vector<std::string> group_by{pick(group_keys)};
      if (chance(50)) group_by.push_back(pick(group_keys));
      if (group_by.size() == 2 && group_by[0] == group_by[1]) group_by.pop_back();
      json += ",\"group_by\":" + list(group_by);
      // split_by: at most a few hundred combinations (the virtual bound is 1000).
      if (chance(35)) {
        std::vector<std::string> split_by{pick(splits)};
        if (chance(40) && split_by[0] != "day") split_by.push_back(pick(splits));
        if (split_by.size() == 2 && split_by[0] == split_by[1]) split_by.pop_back();
        json += ",\"split_by\":" + list(split_by);
        split_ = true;
      }
      std::string aggregates;
      for (const auto& column : shown) {
        if (!chance(60)) continue;
        const std::string aggregate = aggregate_for(column);
        if (!aggregates.empty()) aggregates += ",";
        aggregates += "\"" + column + "\":\"" + aggregate + "\"";
      }
      json += ",\"aggregates\":{" + aggregates + "}";
      if (chance(20)) json += ",\"group_by_depth\":" + std::to_string(1 + random_() % 2);
    }
    if (!grouped && chance(25)) {
      // split_by alone: each row a table row, its cells in its combination's columns.
      std::vector<std::string> alone = {"region", "product"};
      if (booleans_) alone.push_back("flag");
      for (const auto& split : splits) {
        if (kinds_.contains(split)) alone.push_back(split);
      }
      json += ",\"split_by\":[\"" + pick(alone) + "\"]";
      split_ = true;
    }
    std::string filters;
    const int terms = chance(50) ? 0 : 1 + static_cast<int>(random_() % 3);
    for (int i = 0; i < terms; ++i) {
      if (!filters.empty()) filters += ",";
      filters += filter(pick(columns));
    }
    if (!filters.empty()) json += ",\"filter\":[" + filters + "]";
    if (chance(30)) json += ",\"filter_op\":\"or\"";
    std::string sort;
    const int keys = chance(35) ? 0 : 1 + static_cast<int>(random_() % 2);
    const char* directions[] = {"asc",     "desc",     "asc abs",     "desc abs",    "none",
                                "col asc", "col desc", "col asc abs", "col desc abs"};
    for (int i = 0; i < keys; ++i) {
      std::string column = grouped ? pick(shown) : pick(columns);
      // Groups sorted by a float sum may tie mathematically and not in their last bits
      // (summation order): not by aggregates of float expressions (their sums tie often:
      // an expression of qty grouped by qty).
      if (grouped && kind(column) == 'n') continue;
      std::string direction = directions[random_() % (split_ ? 9 : 5)];
      if ((column == "day" || column == "ts" || kind(column) == 'd' || kind(column) == 't' ||
           kind(column) == 'b') &&
          direction.find("abs") != std::string::npos)
        direction = direction.starts_with("col") ? "col desc" : "desc";
      if (!sort.empty()) sort += ",";
      sort += "[\"" + column + "\",\"" + direction + "\"]";
    }
    if (!sort.empty()) json += ",\"sort\":[" + sort + "]";
    return json + "}";
  }

  std::string window(size_t rows) {
    if (chance(30)) return "{}";
    const size_t start = rows == 0 ? 0 : random_() % (rows + 2);
    const size_t end = start + random_() % 60;
    std::string json =
        "{\"start_row\":" + std::to_string(start) + ",\"end_row\":" + std::to_string(end);
    if (chance(20)) json += ",\"start_col\":1,\"end_col\":3";
    if (chance(20)) json += ",\"id\":true";
    return json + "}";
  }

  bool chance(int percent) { return static_cast<int>(random_() % 100) < percent; }
  bool split() const { return split_; }
  uint32_t next() { return random_(); }

 private:
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[random_() % items.size()];
  }
  static std::string list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& item : items) out += (out.size() > 1 ? "," : "") + ("\"" + item + "\"");
    return out + "]";
  }
  // The kind of an expression column: n(umber), s(tring), b(oolean), d(ate), t (datetime);
  // 0 for the table's columns.
  char kind(const std::string& column) const {
    auto found = kinds_.find(column);
    return found == kinds_.end() ? 0 : found->second;
  }

  // An expression of `kind` in the reference's language, over the orders' columns.
  std::string expression(char kind, int depth) {
    const bool leaf = depth >= 2 || chance(30);
    auto sub = [&](char k) { return expression(k, depth + 1); };
    auto paren = [](const std::string& text) { return "(" + text + ")"; };
    switch (kind) {
      case 'n': {
        if (leaf) {
          const char* leaves[] = {"\"qty\"", "\"price\"", "\"id\"", "2", "0.5", "-3", "100"};
          return leaves[random_() % 7];
        }
        const char* ops[] = {" + ", " - ", " * ", " / ", " ^ "};
        switch (random_() % 14) {
          case 0:
          case 1:
          case 2: {
            const std::string op = ops[random_() % 5];
            return paren(sub('n') + op + (op == " ^ " ? (chance(50) ? "2" : "0.5") : sub('n')));
          }
          case 3:
            return "-" + paren(sub('n'));
          case 4: {
            const char* functions[] = {"abs", "sqrt",  "floor", "ceil", "round",   "trunc", "sgn",
                                       "log", "log10", "exp",   "frac", "integer", "float"};
            return std::string(functions[random_() % 13]) + paren(sub('n'));
          }
          case 5:
            return "if (" + sub('b') + ") {" + sub('n') + "} else {" + sub('n') + "}";
          case 6:
            return "length(" + sub('s') + ")";
          case 7:
            return "bucket(\"price\", " + std::to_string(1 + random_() % 50) + ")";
          case 8:
            return chance(50) ? "percent_of(" + sub('n') + ", " + sub('n') + ")"
                              : "sum(" + sub('n') + ", " + sub('n') + ")";
          case 9:
            return chance(50) ? "\"qty\" % " + std::to_string(static_cast<int>(random_() % 9) - 2)
                              : "\"price\" % 3";  // refused: not whole numbers
          case 10:
            return "hour_of_day(" + sub(chance(70) ? 't' : 'd') + ")";
          case 11:
            return sub('b') + " ? " + sub('n') + " : " + sub('n');
          case 12:
            return "avg(" + sub('n') + ", " + sub('n') + ", 1)";
          default:
            return paren(sub('n') + ops[random_() % 4] + sub('n'));
        }
      }
      case 's': {
        if (leaf) {
          const char* leaves[] = {"\"region\"", "\"product\"", "'x'", "'East'"};
          return leaves[random_() % 4];
        }
        switch (random_() % 6) {
          case 0:
            return "concat(" + sub('s') + ", '-', " + sub('s') + ")";
          case 1:
            return std::string(chance(50) ? "upper" : "lower") + paren(sub('s'));
          case 2:
            return "if (" + sub('b') + ") {" + sub('s') + "} else {" + sub('s') + "}";
          case 3:
            return "day_of_week(" + sub(chance(50) ? 'd' : 't') + ")";
          case 4:
            return "month_of_year(" + sub(chance(50) ? 'd' : 't') + ")";
          default:
            return "\"region\"";
        }
      }
      case 'b': {
        const char* compares[] = {" == ", " != ", " < ", " <= ", " > ", " >= "};
        switch (random_() % (leaf ? 3 : 8)) {
          case 0:
            return paren(sub('n') + compares[random_() % 6] + sub('n'));
          case 1:
            return paren(sub('s') + compares[random_() % 6] + sub('s'));
          case 2:
            return std::string(chance(50) ? "is_null" : "is_not_null") +
                   paren(chance(50) ? "\"price\"" : "\"region\"");
          case 3: {
            const char* logic[] = {" and ", " or ", " xor ", " nand ", " nor "};
            return paren(sub('b') + logic[random_() % 5] + sub('b'));
          }
          case 4:
            return "not(" + sub(chance(50) ? 'b' : 'n') + ")";
          case 5:
            return paren(sub('d') + compares[random_() % 6] + sub('d'));
          case 6:
            return "inrange(0, " + sub('n') + ", 100)";
          default:
            return "boolean(" + sub(chance(50) ? 'n' : 's') + ")";
        }
      }
      case 'd': {
        if (leaf) return "\"day\"";
        const char* units[] = {"'D'", "'W'", "'M'", "'Y'", "'2M'", "'3Y'", "'h'"};
        return "bucket(" + sub(chance(50) ? 'd' : 't') + ", " + units[random_() % 7] + ")";
      }
      default: {  // datetimes
        if (leaf) return "\"ts\"";
        const char* units[] = {"'s'", "'m'", "'h'", "'30m'", "'6h'", "'10s'"};
        return chance(70) ? "bucket(\"ts\", " + std::string(units[random_() % 6]) + ")"
                          : "if (" + sub('b') + ") {\"ts\"} else {" + sub('t') + "}";
      }
    }
  }

  std::string aggregate_for(const std::string& column) {
    const bool numeric =
        column == "id" || column == "qty" || column == "price" || kind(column) == 'n';
    const bool temporal =
        column == "day" || column == "ts" || kind(column) == 'd' || kind(column) == 't';
    std::vector<std::string> names = {"count", "distinct count", "median", "q1",      "q3",
                                      "first", "last by index",  "unique", "dominant"};
    if (numeric) {
      names.insert(names.end(),
                   {"sum", "avg", "min", "max", "sum", "avg", "abs sum", "sum abs", "sum not null",
                    "high", "low", "high minus low", "last minus first", "stddev", "var", "mean"});
      // Shares of other groups' sums (the view computes them: virtual_percentages.h).
      names.insert(names.end(),
                   {"pct sum parent", "pct sum total", "pct sum parent", "pct sum total"});
    }
    if (temporal) names.insert(names.end(), {"min", "max"});
    return pick(names);
  }
  std::string filter(const std::string& column) {
    const bool text = column == "region" || column == "product" || kind(column) == 's';
    std::vector<std::string> ops = {
        "==", "!=", "<", ">", "<=", ">=", "in", "not in", "is null", "is not null"};
    if (text) ops.insert(ops.end(), {"contains", "begins with", "ends with"});
    const std::string op = pick(ops);
    std::string value;
    if (op == "is null" || op == "is not null") return "[\"" + column + "\",\"" + op + "\"]";
    auto one = [&]() -> std::string {
      switch (kind(column)) {
        case 'n':
          return std::to_string(static_cast<int>(random_() % 300) - 50);
        case 's':
          return chance(50) ? json_string(kRegions[random_() % 6])
                            : json_string(chance(50) ? "3 Tuesday" : "x-apple");
        case 'b':
          return chance(50) ? "true" : "false";
        case 'd':
          return "\"" + format_date_iso(19690 + static_cast<int32_t>(random_() % 80)) + "\"";
        case 't':
          return std::to_string((1700000000LL + static_cast<int64_t>(random_() % 5000000)) * 1000);
        default:
          break;
      }
      if (column == "region") return json_string(kRegions[random_() % 6]);
      if (column == "product") {
        std::string name = kProducts[random_() % 10];
        if (op == "contains" || op == "begins with" || op == "ends with") {
          name = name.substr(random_() % 2, 1 + random_() % 3);
          if (chance(30)) name[0] = static_cast<char>(std::toupper(name[0]));
        }
        return json_string(name);
      }
      if (column == "qty") return std::to_string(static_cast<int>(random_() % 200) - 20);
      if (column == "id") return std::to_string(random_() % kRows);
      if (column == "price")
        return number_text(static_cast<double>(static_cast<int>(random_() % 100000) - 5000) /
                           100.0);
      if (column == "flag") return chance(50) ? "true" : "false";
      if (column == "day")
        return "\"" + format_date_iso(19700 + static_cast<int32_t>(random_() % 60)) + "\"";
      return std::to_string((1700000000LL + static_cast<int64_t>(random_() % 5000000)) * 1000);
    };
    if (op == "in" || op == "not in") {
      value = "[" + one() + "," + one() + "]";
    } else {
      value = one();
    }
    return "[\"" + column + "\",\"" + op + "\"," + value + "]";
  }

  std::mt19937 random_;
  bool booleans_;
  std::map<std::string, char> kinds_;  // the expression columns of the config being made
  bool split_ = false;                 // whether the config being made splits
};

struct Backends {
  std::string url;
  std::unique_ptr<Backend> backend;
};

class VirtualDifferential : public ::testing::Test {
 protected:
  // Loads the rows into "memory" and the database table `table`, then hosts the latter (or
  // `served`, e.g. a Distributed table over it) as "virtual".
  // Loads the rows into `orders` of the backend and into the in-memory table "memory".
  void load(Backend& backend, const std::vector<std::string>& setup, bool booleans) {
    for (const auto& statement : setup)
      ASSERT_TRUE(backend.execute(statement).is_ok())
          << statement << ": " << backend.execute(statement).message();
    load_sharded({&backend}, "orders", booleans);
  }

  // Loads row i into `table` of shards[id % shards.size()] (each shard's part of a
  // Distributed table), and every row into the in-memory table "memory".
  void load_sharded(const std::vector<Backend*>& shards, const std::string& table, bool booleans) {
    booleans_ = booleans;
    const auto rows = generate_rows();
    for (size_t shard = 0; shard < shards.size(); ++shard) {
      std::vector<Row> part;
      for (const auto& row : rows) {
        if (static_cast<size_t>(row.id) % shards.size() == shard) part.push_back(row);
      }
      Backend& backend = *shards[shard];
      for (size_t start = 0; start < part.size(); start += 1000) {
        const std::vector<Row> chunk(
            part.begin() + static_cast<std::ptrdiff_t>(start),
            part.begin() + static_cast<std::ptrdiff_t>(std::min(part.size(), start + 1000)));
        const Status inserted = backend.execute("INSERT INTO " + table + " VALUES " +
                                                rows_sql(chunk, backend.dialect(), booleans));
        ASSERT_TRUE(inserted.is_ok()) << inserted.message();
      }
    }
    Schema schema({{"id", DataType::kInteger},
                   {"region", DataType::kString},
                   {"product", DataType::kString},
                   {"qty", DataType::kInteger},
                   {"price", DataType::kFloat}});
    if (booleans) schema.add({"flag", DataType::kBoolean});
    schema.add({"day", DataType::kDate});
    schema.add({"ts", DataType::kDatetime});
    TableOptions options;
    options.index = "id";
    ASSERT_TRUE(engine_.create_table("memory", schema, options).is_ok());
    const Status updated =
        engine_.update("memory", TableData{rows_json(rows, booleans), DataFormat::kJson});
    ASSERT_TRUE(updated.is_ok()) << updated.message();
  }

  void host(std::shared_ptr<Backend> backend, const std::string& served) {
    auto tables = backend->tables();
    ASSERT_TRUE(tables.is_ok()) << tables.status().message();
    for (auto& table : *tables) {
      if (table.name != served) continue;
      table.key = "id";  // a Distributed table has no key of its own
      auto made = VirtualTable::create(backend, std::move(table));
      ASSERT_TRUE(made.is_ok()) << made.status().message();
      ASSERT_TRUE(engine_.host_virtual_table("virtual", std::move(made).value()).is_ok());
      return;
    }
    FAIL() << "no table " << served;
  }

  // Configs that once answered differently, run on every backend before the generated ones:
  // each must be made on both tables and answer the same.
  void compare_known() {
    const char* const configs[] = {
        // A condition that is null (a null price) or divides by zero (price >= -3): the
        // engine takes the first branch for a null, and inf or NaN is true.
        R"j({"expressions":{"e":"(\"price\" / (\"price\" < -3)) ? 0.5 : \"qty\""},)j"
        R"j("columns":["e","price"],"sort":[["id","asc"]]})j",
        R"j({"expressions":{"e":"if (\"price\" / (\"price\" < -3)) {0.5} else {\"qty\"}"},)j"
        R"j("group_by":["product"],"columns":["e"],"aggregates":{"e":"high"}})j",
        // inrange is null when an argument is: then a condition's first branch.
        R"j({"expressions":{"r":"inrange(0, \"qty\", 100)","e":"inrange(0, \"qty\", 100) ? )j"
        R"j(1 : 2"},"columns":["r","e","qty"],"filter":[["r","!=",true]]})j",
        // Grouped by constants with a filter no row passes: only the totals row (ClickHouse
        // answers a GROUP BY of constants alone as an aggregation without keys).
        R"j({"expressions":{"k":"'x'","l":"lower('X')"},"group_by":["k","l"],)j"
        R"j("columns":["region","qty"],"filter":[["id","==",-1]]})j",
        R"j({"expressions":{"k":"'x'"},"group_by":["k"],"split_by":["k"],)j"
        R"j("columns":["qty"],"filter":[["id","==",-1]]})j",
        // is_null of the Nullable Enum region (text on ClickHouse), in a condition, grouped
        // and filtered.
        R"j({"expressions":{"n":"is_null(\"region\")","c":"if (is_null(\"region\")) )j"
        R"j({\"qty\"} else {-1}"},"group_by":["n"],"columns":["c","n","region"],)j"
        R"j("aggregates":{"c":"sum","region":"distinct count"}})j",
        R"j({"expressions":{"n":"is_not_null(\"region\") and (\"region\" == 'East')"},)j"
        R"j("columns":["n","region"],"filter":[["n","==",false]],"sort":[["id","desc"]]})j",
    };
    for (const char* config_json : configs) {
      SCOPED_TRACE(config_json);
      auto memory_config = view_config_from_json(config_json);
      ASSERT_TRUE(memory_config.is_ok()) << memory_config.status().message();
      const Status memory_made = engine_.create_view("memory", "m", *memory_config);
      ASSERT_TRUE(memory_made.is_ok()) << memory_made.message();
      const Status virtual_made =
          engine_.create_view("virtual", "v", view_config_from_json(config_json).value());
      ASSERT_TRUE(virtual_made.is_ok()) << virtual_made.message();
      Generator generator(7, booleans_);
      check_same(*engine_.view("m").value(), *engine_.view("v").value(), generator);
      ASSERT_TRUE(engine_.delete_view("m").is_ok());
      ASSERT_TRUE(engine_.delete_view("v").is_ok());
    }
  }

  // Runs the generated configs on both tables and compares every answer.
  // `expressions`: then the generated expression configs too.
  void compare_all(uint32_t seed, bool expressions = true) {
    compare_known();
    Generator generator(seed, booleans_);
    // Configs compared with a pct sum, with dominant.
    int compared = 0, refused = 0, percentages = 0, dominants = 0;
    for (int i = 0; i < kConfigs + (expressions ? kExpressionConfigs : 0); ++i) {
      const bool grouped = i % 2 == 1;
      const bool with_expressions = i >= kConfigs;
      if (i == kConfigs) {
        std::printf(
            "compared %d configs (%d with a pct sum, %d with dominant), %d refused by name\n",
            compared, percentages, dominants, refused);
        EXPECT_GT(compared, kConfigs * 3 / 4);
        compared = refused = percentages = dominants = 0;
      }
      const std::string config_json = generator.config(grouped, with_expressions);
      const bool tree = grouped || generator.split();
      SCOPED_TRACE("config " + std::to_string(i) + ": " + config_json);
      auto memory_config = view_config_from_json(config_json);
      ASSERT_TRUE(memory_config.is_ok()) << memory_config.status().message();
      const Status memory_made = engine_.create_view("memory", "m", *memory_config);
      const Status virtual_made =
          engine_.create_view("virtual", "v", view_config_from_json(config_json).value());
      if (virtual_made.code() == StatusCode::kUnsupported) {
        ++refused;  // refused by name: fine, never answered wrongly
        if (with_expressions) refusals_[virtual_made.message()]++;
        if (memory_made.is_ok()) (void)engine_.delete_view("m");
        continue;
      }
      ASSERT_EQ(memory_made.is_ok(), virtual_made.is_ok())
          << memory_made.message() << " / " << virtual_made.message();
      if (!memory_made.is_ok()) continue;
      const View& m = *engine_.view("m").value();
      const View& v = *engine_.view("v").value();
      // A few tree operations on grouped views, the same on both.
      std::string ops;
      for (int op = 0; tree && op < 3; ++op) {
        if (!generator.chance(40)) continue;
        const size_t row = generator.next() % (m.num_rows() + 1);
        const int kind = static_cast<int>(generator.next() % 3);
        ops += std::to_string(kind) + "@" + std::to_string(row) + " of " +
               std::to_string(m.num_rows()) + "/" + std::to_string(v.num_rows()) + "; ";
        SCOPED_TRACE("tree operations " + ops);
        if (kind == 0) {
          ASSERT_EQ(engine_.collapse("m", row).value(), engine_.collapse("v", row).value());
        } else if (kind == 1) {
          ASSERT_EQ(engine_.expand("m", row).value(), engine_.expand("v", row).value());
        } else {
          const size_t depth = generator.next() % 3;
          ASSERT_TRUE(engine_.set_depth("m", depth).is_ok());
          ASSERT_TRUE(engine_.set_depth("v", depth).is_ok());
        }
      }
      check_same(m, v, generator);
      ++compared;
      if (config_json.find("\"pct sum ") != std::string::npos) ++percentages;
      if (config_json.find("\"dominant\"") != std::string::npos) ++dominants;
      ASSERT_TRUE(engine_.delete_view("m").is_ok());
      ASSERT_TRUE(engine_.delete_view("v").is_ok());
    }
    if (expressions) {
      std::printf(
          "compared %d expression configs (%d with a pct sum, %d with dominant), %d refused by "
          "name\n",
          compared, percentages, dominants, refused);
      for (const auto& [message, count] : refusals_)
        std::printf("  %d x %s\n", count, message.c_str());
      EXPECT_GT(compared, kExpressionConfigs * 2 / 3);
    } else {
      std::printf("compared %d configs (%d with a pct sum, %d with dominant), %d refused by name\n",
                  compared, percentages, dominants, refused);
      EXPECT_GT(compared, kConfigs * 3 / 4);
    }
    // Past the bound on split combinations: a clear error, and no view.
    const Status too_many = engine_.create_view(
        "virtual", "v",
        view_config_from_json(R"({"group_by":["region"],"split_by":["id"]})").value());
    EXPECT_EQ(too_many.code(), StatusCode::kInvalid) << too_many.message();
    EXPECT_NE(too_many.message().find("more than 1000 column groups"), std::string::npos)
        << too_many.message();
    EXPECT_FALSE(engine_.view("v").is_ok());
    check_aggregate_registry();
  }

  // Every aggregate of the registry on every column it takes: the virtual table either makes
  // the view (and says so in get_features) or refuses it by name (and get_features leaves it
  // out); what it makes answers as the engine.
  void check_aggregate_registry() {
    const VirtualTable* table = engine_.virtual_table("virtual");
    ASSERT_NE(table, nullptr);
    const Schema& schema = table->source().schema;
    const auto features = server::hosted_features(server::probe_engine_features(), engine_);
    int made = 0, refused = 0;
    for (const AggregateDescriptor& aggregate : all_aggregates()) {
      for (const Field& field : schema.fields()) {
        if ((aggregate.accepts & type_bit(field.type)) == 0) continue;
        SCOPED_TRACE(std::string(aggregate.name) + " of " + field.name);
        std::string config = R"({"group_by":["region"],"columns":[")" + field.name +
                             R"("],"aggregates":{")" + field.name + R"(":)";
        config += aggregate.takes_argument
                      ? R"([")" + std::string(aggregate.name) + R"(",["price"]]}})"
                      : "\"" + std::string(aggregate.name) + "\"}}";
        const Status virtual_made =
            engine_.create_view("virtual", "v", view_config_from_json(config).value());
        const bool accepted = table->accepts_aggregate(aggregate.kind, field.type);
        EXPECT_EQ(virtual_made.is_ok(), accepted) << virtual_made.message();
        bool offered = false;
        for (const auto& offer :
             features.aggregates().at(server::column_type_of(field.type)).aggregates()) {
          offered = offered || offer.name() == aggregate.name;
        }
        EXPECT_EQ(offered, accepted);
        if (!virtual_made.is_ok()) {
          ++refused;
          EXPECT_EQ(virtual_made.code(), StatusCode::kUnsupported);
          EXPECT_NE(virtual_made.message().find(aggregate.name), std::string::npos)
              << virtual_made.message();
          continue;
        }
        ++made;
        ASSERT_TRUE(
            engine_.create_view("memory", "m", view_config_from_json(config).value()).is_ok());
        Generator generator(made, booleans_);
        check_same(*engine_.view("m").value(), *engine_.view("v").value(), generator);
        ASSERT_TRUE(engine_.delete_view("m").is_ok());
        ASSERT_TRUE(engine_.delete_view("v").is_ok());
      }
    }
    std::printf("aggregates: %d made and compared, %d refused by name\n", made, refused);
  }

  void check_same(const View& m, const View& v, Generator& generator) {
    ASSERT_EQ(m.num_rows(), v.num_rows());
    ASSERT_EQ(m.num_columns(), v.num_columns());
    ASSERT_EQ(m.num_table_rows(), v.num_table_rows());
    ASSERT_EQ(m.column_paths(), v.column_paths());
    const auto ms = m.schema(), vs = v.schema();
    ASSERT_EQ(ms.size(), vs.size());
    for (size_t i = 0; i < ms.size(); ++i) {
      EXPECT_EQ(ms[i].name, vs[i].name);
      EXPECT_EQ(ms[i].type, vs[i].type) << ms[i].name;
    }
    for (int read = 0; read < 2; ++read) {
      const std::string window_json = generator.window(m.num_rows());
      SCOPED_TRACE("window " + window_json);
      const ViewWindow window = view_window_from_json(window_json).value();
      for (const ViewTextFormat format : {ViewTextFormat::kRows, ViewTextFormat::kColumns}) {
        auto a = write_view(m, window, format);
        auto b = write_view(v, window, format);
        ASSERT_EQ(a.is_ok(), b.is_ok()) << a.status().message() << " / " << b.status().message();
        if (!a.is_ok()) continue;
        simdjson::dom::parser pa, pb;
        std::string where;
        EXPECT_TRUE(same_json(pa.parse(*a).value(), pb.parse(*b).value(), where))
            << where << "\nmemory:  " << a->substr(0, 3000) << "\nvirtual: " << b->substr(0, 3000);
      }
      auto a = write_view(m, window, ViewTextFormat::kCsv);
      auto b = write_view(v, window, ViewTextFormat::kCsv);
      ASSERT_EQ(a.is_ok(), b.is_ok()) << a.status().message() << " / " << b.status().message();
      if (a.is_ok()) EXPECT_TRUE(same_csv(*a, *b)) << *a << "\n---\n" << *b;
    }
    for (const auto& path : m.column_paths()) {
      auto a = m.min_max(path), b = v.min_max(path);
      ASSERT_EQ(a.is_ok(), b.is_ok()) << a.status().message() << " / " << b.status().message();
      if (!a.is_ok()) continue;
      const std::string both[] = {
          "[" + min_max_value_json(a->first) + "," + min_max_value_json(a->second) + "]",
          "[" + min_max_value_json(b->first) + "," + min_max_value_json(b->second) + "]"};
      simdjson::dom::parser pa, pb;
      std::string where;
      EXPECT_TRUE(same_json(pa.parse(both[0]).value(), pb.parse(both[1]).value(), where))
          << path << ": " << both[0] << " vs " << both[1];
    }
  }

  // A column named and filled to break out of any SQL quoting that is not the dialect's:
  // quotes of every kind, backslashes, a statement after a ';'. Expression views over it
  // (the name and the values as expression columns, literals, filters and group keys) must
  // answer as the engine, and the table must still be there after.
  void check_hostile(std::shared_ptr<Backend> backend, const std::string& create) {
    const std::string column = "we\"ird`na\\me'; DROP TABLE hostile; --";
    const std::vector<std::string> values = {
        "it's", "back\\slash", "`tick`", "\"dq\"", "'; DROP TABLE hostile; --", "x\\'y", "plain"};
    const SqlDialect& d = backend->dialect();
    ASSERT_TRUE(backend->execute("DROP TABLE IF EXISTS hostile").is_ok());
    const std::string created = create.substr(0, create.find('@')) + d.identifier(column) +
                                create.substr(create.find('@') + 1);
    const Status made = backend->execute(created);
    ASSERT_TRUE(made.is_ok()) << created << ": " << made.message();
    std::string sql, json = "[";
    for (size_t i = 0; i < values.size() * 3; ++i) {
      const std::string& value = values[i % values.size()];
      const bool null = i % 5 == 4;
      sql += (sql.empty() ? "" : ",") +
             ("(" + std::to_string(i + 1) + "," + (null ? "NULL" : d.string_literal(value)) + "," +
              std::to_string(static_cast<int>(i % 4) - 1) + ")");
      json += (json.size() > 1 ? "," : "") +
              ("{\"id\":" + std::to_string(i + 1) + "," + json_string(column) + ":" +
               (null ? "null" : json_string(value)) +
               ",\"n\":" + std::to_string(static_cast<int>(i % 4) - 1) + "}");
    }
    const Status inserted = backend->execute("INSERT INTO hostile VALUES " + sql);
    ASSERT_TRUE(inserted.is_ok()) << inserted.message();
    TableOptions options;
    options.index = "id";
    ASSERT_TRUE(engine_
                    .create_table("hostile_memory",
                                  Schema({{"id", DataType::kInteger},
                                          {column, DataType::kString},
                                          {"n", DataType::kInteger}}),
                                  options)
                    .is_ok());
    ASSERT_TRUE(engine_.update("hostile_memory", TableData{json + "]", DataFormat::kJson}).is_ok());
    auto tables = backend->tables();
    ASSERT_TRUE(tables.is_ok()) << tables.status().message();
    for (auto& table : *tables) {
      if (table.name != "hostile") continue;
      table.key = "id";
      auto hosted = VirtualTable::create(backend, std::move(table));
      ASSERT_TRUE(hosted.is_ok()) << hosted.status().message();
      ASSERT_TRUE(engine_.host_virtual_table("hostile_virtual", std::move(hosted).value()).is_ok());
    }
    // The name as an expression sees it: col('...') with quotes and backslashes escaped.
    auto quoted = [](const std::string& text, char quote) {
      std::string out(1, quote);
      for (const char c : text) {
        if (c == quote || c == '\\') out += '\\';
        out += c;
      }
      return out + quote;
    };
    const std::string ref = "col(" + quoted(column, '\'') + ")";
    std::vector<std::string> texts = {ref, "concat(" + ref + ", " + quoted(values[4], '\'') + ")",
                                      "upper(" + ref + ")", "length(" + ref + ") / \"n\""};
    for (const auto& value : values)
      texts.push_back("if (" + ref + " == " + quoted(value, '\'') + ") {" + quoted(value, '\'') +
                      "} else {" + quoted(values[4], '\'') + "}");
    for (size_t i = 0; i < texts.size(); ++i) {
      const std::string name =
          i % 2 ? column + " " + std::to_string(i) : values[i % values.size()] + std::to_string(i);
      for (const std::string shape :
           {"", R"(,"group_by":[@],"aggregates":{@:"distinct count"})", R"(,"split_by":[@])"}) {
        std::string config =
            "{\"expressions\":{" + json_string(name) + ":" + json_string(texts[i]) +
            "},\"columns\":[" + json_string(name) + "," + json_string(column) + "],\"sort\":[[" +
            json_string(name) + ",\"desc\"]],\"filter\":[[" + json_string(name) + ",\"!=\"," +
            (i == 3 ? std::string("1") : json_string(values[i % values.size()])) + "]]";
        std::string rest = shape;
        while (rest.find('@') != std::string::npos)
          rest.replace(rest.find('@'), 1, json_string(name));
        config += rest + "}";
        SCOPED_TRACE(config);
        auto parsed = view_config_from_json(config);
        ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
        const Status m = engine_.create_view("hostile_memory", "hm", *parsed);
        const Status v = engine_.create_view("hostile_virtual", "hv", *parsed);
        ASSERT_TRUE(m.is_ok()) << m.message();
        ASSERT_TRUE(v.is_ok()) << v.message();
        Generator generator(static_cast<uint32_t>(i), false);
        check_same(*engine_.view("hm").value(), *engine_.view("hv").value(), generator);
        ASSERT_TRUE(engine_.delete_view("hm").is_ok());
        ASSERT_TRUE(engine_.delete_view("hv").is_ok());
      }
    }
    // Nothing was dropped: the table still answers its rows.
    const DataType types[] = {DataType::kFloat};
    auto count = backend->query("SELECT count(*) FROM hostile", types);
    ASSERT_TRUE(count.is_ok()) << count.status().message();
    EXPECT_EQ((*count)[0].value<double>(0), static_cast<double>(values.size() * 3));
  }

  Engine engine_;
  bool booleans_ = false;
  std::map<std::string, int> refusals_;  // of expression configs, by message
};

std::unique_ptr<Backend> connect_or_skip(const char* variable, const std::string& suffix) {
  const char* url = std::getenv(variable);
  if (!url) return nullptr;
  std::string address = url;
  auto connected = connect_backend(address + suffix, {});
  EXPECT_TRUE(connected.is_ok()) << connected.status().message();
  return connected.is_ok() ? std::move(connected).value() : nullptr;
}

// "http://127.0.0.1:PORT" as the clickhouse:// URL of database DB.
std::string clickhouse_url(std::string http, const std::string& database) {
  return "clickhouse://" + http.substr(http.find("//") + 2) + "/" + database;
}

// region is an Enum numbered out of text order: ClickHouse compares and sorts Enums by number,
// the engine by text.
const char* const kClickHouseTable =
    "CREATE TABLE orders (id Int32, region Nullable(Enum8('East' = 1, 'west' = 2, 'North' = 3, "
    "'O\\'Neil \\\\ tab\\there' = 4, 'south' = 5, 'Ébène' = 6)), "
    "product Nullable(String), "
    "qty Nullable(Int32), price Nullable(Float64), day Nullable(Date), ts Nullable(DateTime)) "
    "ENGINE = MergeTree ORDER BY id";

TEST_F(VirtualDifferential, ClickHouse) {
  const char* http = std::getenv("PARALLAX_TEST_CLICKHOUSE");
  if (!http) GTEST_SKIP() << "PARALLAX_TEST_CLICKHOUSE is not set (run under db_servers.py)";
  auto setup = connect_backend(clickhouse_url(http, "default"), {});
  ASSERT_TRUE(setup.is_ok());
  ASSERT_TRUE((*setup)->execute("DROP DATABASE IF EXISTS differential").is_ok());
  ASSERT_TRUE((*setup)->execute("CREATE DATABASE differential").is_ok());
  auto backend = connect_backend(clickhouse_url(http, "differential"), {});
  ASSERT_TRUE(backend.is_ok()) << backend.status().message();
  std::shared_ptr<Backend> shared = std::move(backend).value();
  load(*shared, {kClickHouseTable}, false);
  host(shared, "orders");
  compare_all(1);
  check_hostile(shared,
                "CREATE TABLE hostile (id Int32, @ Nullable(String), n Nullable(Int32)) "
                "ENGINE = MergeTree ORDER BY id");
}

// Two ClickHouse servers, each holding about half of the rows in orders_local, and a
// Distributed table over both (the `shards` cluster db_servers.py gives each): served as one
// virtual table, it must answer what the in-memory engine answers.
TEST_F(VirtualDifferential, ClickHouseDistributed) {
  const char* urls = std::getenv("PARALLAX_TEST_CLICKHOUSE_SHARDS");
  if (!urls) GTEST_SKIP() << "PARALLAX_TEST_CLICKHOUSE_SHARDS is not set (run under db_servers.py)";
  const std::string both = urls;
  const size_t comma = both.find(',');
  ASSERT_NE(comma, std::string::npos);
  std::vector<std::unique_ptr<Backend>> shards;
  for (const std::string http : {both.substr(0, comma), both.substr(comma + 1)}) {
    auto setup = connect_backend(clickhouse_url(http, "default"), {});
    ASSERT_TRUE(setup.is_ok()) << setup.status().message();
    ASSERT_TRUE((*setup)->execute("DROP DATABASE IF EXISTS differential").is_ok());
    ASSERT_TRUE((*setup)->execute("CREATE DATABASE differential").is_ok());
    auto shard = connect_backend(clickhouse_url(http, "differential"), {});
    ASSERT_TRUE(shard.is_ok()) << shard.status().message();
    std::string local = kClickHouseTable;
    local.replace(local.find("orders"), 6, "orders_local");
    const Status created = (*shard)->execute(local);
    ASSERT_TRUE(created.is_ok()) << created.message();
    shards.push_back(std::move(shard).value());
  }
  const Status distributed = shards[0]->execute(
      "CREATE TABLE orders AS orders_local ENGINE = Distributed(shards, differential, "
      "orders_local, id)");
  ASSERT_TRUE(distributed.is_ok()) << distributed.message();
  load_sharded({shards[0].get(), shards[1].get()}, "orders_local", false);
  std::shared_ptr<Backend> served = std::move(shards[0]);
  host(served, "orders");
  compare_all(3);
}

TEST_F(VirtualDifferential, Postgres) {
  const char* url = std::getenv("PARALLAX_TEST_POSTGRES");
  if (!url) GTEST_SKIP() << "PARALLAX_TEST_POSTGRES is not set (run under db_servers.py)";
  auto backend = connect_backend(url, {});
  ASSERT_TRUE(backend.is_ok()) << backend.status().message();
  std::shared_ptr<Backend> shared = std::move(backend).value();
  load(*shared,
       {"DROP TABLE IF EXISTS orders",
        "CREATE TABLE orders (id integer PRIMARY KEY, region text, product text, qty integer, "
        "price double precision, flag boolean, day date, ts timestamp)"},
       true);
  host(shared, "orders");
  compare_all(2);
  check_hostile(shared, "CREATE TABLE hostile (id integer PRIMARY KEY, @ text, n integer)");
}

}  // namespace
}  // namespace parallax
