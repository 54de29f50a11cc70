// A table whose rows stay in a database: its views compile to SQL there (virtual_flat_view,
// virtual_grouped_view) and only their answers cross. The engine hosts it beside in-memory
// tables (api::Engine::host_virtual_table), so every front end reads it the same way.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/status.h"
#include "core/table.h"
#include "query/aggregate.h"
#include "query/view.h"
#include "virtual/backend.h"

namespace parallax {

class VirtualTable {
 public:
  static Result<std::unique_ptr<VirtualTable>> create(std::shared_ptr<Backend> backend,
                                                      BackendTable source);
  // An empty in-memory table with the schema and key: what schema and options requests read.
  const Table& placeholder() const { return *placeholder_; }
  const BackendTable& source() const { return source_; }
  Backend& backend() const { return *backend_; }
  // The table as the FROM clause names it.
  std::string from() const { return backend_->dialect().identifier(source_.name); }
  // A column as SQL reads it (BackendTable::column_sql), by name or by schema position.
  std::string column(std::string_view name) const;
  const std::string& column(size_t position) const { return source_.column_sql[position]; }
  std::span<const std::string> columns() const { return source_.column_sql; }
  // The primary key as SQL that orders rows as the engine's natural order (text byte-wise),
  // or "" without a one-column key.
  std::string order_key() const;
  // Counts the rows in the database now.
  Result<size_t> num_rows() const;
  // What its views can do (get_features): aggregate a `type` column by `kind`, and whether
  // they take expressions. Everything else a view of it asks is refused by name.
  bool accepts_aggregate(AggregateKind kind, DataType type) const;
  // Expressions are compiled to SQL (sql_expressions.h): those without one are refused by
  // name when a view asks for them.
  bool accepts_expressions() const { return true; }
  // The fields of a view's expression columns (those past the table's own), in config order.
  std::vector<Field> expression_fields() const;
  // A view of the table; configs the backend cannot answer are refused by name.
  Result<std::unique_ptr<View>> create_view(ViewConfig config) const;

 private:
  VirtualTable(std::shared_ptr<Backend> backend, BackendTable source)
      : backend_(std::move(backend)), source_(std::move(source)) {}
  // The table with a view's expression columns after its own: their SQL in column_sql.
  Result<std::shared_ptr<const VirtualTable>> with_expressions(const ViewConfig& config) const;

  std::shared_ptr<Backend> backend_;
  BackendTable source_;
  std::shared_ptr<Table> placeholder_;
  size_t table_columns_ = 0;  // the table's own columns (expression columns follow)
};

// What every view of a virtual table adds to View: rerunning its queries.
class VirtualView : public View {
 public:
  explicit VirtualView(const VirtualTable& table) : table_(&table) {}
  const Table& table() const override { return table_->placeholder(); }
  size_t num_table_rows() const override { return table_rows_; }
  // Reruns the view's queries (its row count, the window last read, its groups); answers
  // whether what it shows changed. A failure is kept as the view's error, which reads give
  // until a rerun succeeds (the database came back).
  virtual Result<bool> rerun() = 0;
  // Keeps `error` as the view's error without asking the database (which a refresh found
  // unreachable through another view), until a rerun succeeds.
  void fail(Status error) { error_ = std::move(error); }
  // Whether its last rerun failed (it then reruns even when the table's hint is unchanged).
  bool failed() const { return !error_.is_ok(); }
  // Keeps the table the view was made of alive (a table with the view's expression columns).
  void keep(std::shared_ptr<const VirtualTable> table) { kept_ = std::move(table); }
  // The database says nothing of which rows changed: the rows last read (last_rows) are sent
  // again, or nothing before the first read. (A grouped view sends every visible row.)
  Frame read_changed(const ChangeSet& changes) const override;

 protected:
  // The rows [start, end) the view last read, if it read any.
  virtual std::optional<std::pair<size_t, size_t>> last_rows() const { return std::nullopt; }
  const VirtualTable& source() const { return *table_; }
  Backend& backend() const { return table_->backend(); }
  const SqlDialect& dialect() const { return table_->backend().dialect(); }
  std::string sql_column(std::string_view name) const { return table_->column(name); }
  // Runs `sql`, keeping a failure as the view's error.
  Result<std::vector<Column>> run(const std::string& sql, std::span<const DataType> types) const;
  Status error_ = Status::ok();  // the last rerun's failure
  size_t table_rows_ = 0;

 private:
  const VirtualTable* table_;
  std::shared_ptr<const VirtualTable> kept_;
};

// Whether two columns hold the same cells (what a rerun compares).
bool same_cells(const Column& a, const Column& b);

}  // namespace parallax
