#include "server/view_answers.h"

#include <algorithm>

#include "api/engine.h"
#include "api/view_arrow.h"
#include "api/view_output.h"
#include "server/protocol_convert.h"

namespace parallax::server {

using Case = proto::Request::ClientReqCase;

bool is_view_read(Case kind) {
  switch (kind) {
    case Case::kViewSchemaReq:
    case Case::kViewDimensionsReq:
    case Case::kViewGetConfigReq:
    case Case::kViewColumnPathsReq:
    case Case::kViewExpressionSchemaReq:
    case Case::kViewToColumnsStringReq:
    case Case::kViewToRowsStringReq:
    case Case::kViewToNdjsonStringReq:
    case Case::kViewToCsvReq:
    case Case::kViewToArrowReq:
    case Case::kViewGetMinMaxReq:
      return true;
    default:
      return false;
  }
}

Status answer_view_read(const View& view, const proto::Request& message, proto::Response& out) {
  auto write = [&](const auto& read, ViewTextFormat format) -> Result<std::string> {
    return write_view(view, read_window_from_proto(read), format);
  };
  switch (message.client_req_case()) {
    case Case::kViewSchemaReq: {
      auto* schema = out.mutable_view_schema_resp()->mutable_schema();
      for (const auto& field : view.schema()) (*schema)[field.name] = column_type_of(field.type);
      return Status::ok();
    }
    case Case::kViewDimensionsReq: {
      const ViewDimensions dimensions = view_dimensions(view);
      auto* out_dimensions = out.mutable_view_dimensions_resp();
      out_dimensions->set_num_table_rows(static_cast<uint32_t>(dimensions.num_table_rows));
      out_dimensions->set_num_table_columns(static_cast<uint32_t>(dimensions.num_table_columns));
      out_dimensions->set_num_view_rows(static_cast<uint32_t>(dimensions.num_view_rows));
      out_dimensions->set_num_view_columns(static_cast<uint32_t>(dimensions.num_view_columns));
      return Status::ok();
    }
    case Case::kViewGetConfigReq:
      *out.mutable_view_get_config_resp()->mutable_config() = view_config_to_proto(view.config());
      return Status::ok();
    case Case::kViewColumnPathsReq: {
      const auto& range = message.view_column_paths_req();
      const auto paths = view.column_paths();
      const size_t end =
          range.has_end_col() ? std::min<size_t>(range.end_col(), paths.size()) : paths.size();
      auto* out_paths = out.mutable_view_column_paths_resp();
      for (size_t i = range.has_start_col() ? range.start_col() : 0; i < end; ++i) {
        out_paths->add_paths(paths[i]);
      }
      return Status::ok();
    }
    case Case::kViewExpressionSchemaReq: {
      auto* schema = out.mutable_view_expression_schema_resp()->mutable_schema();
      for (const auto& field : view_expression_schema(view))
        (*schema)[field.name] = column_type_of(field.type);
      return Status::ok();
    }
    case Case::kViewToColumnsStringReq: {
      PX_ASSIGN_OR_RETURN(std::string text,
                          write(message.view_to_columns_string_req(), ViewTextFormat::kColumns));
      out.mutable_view_to_columns_string_resp()->set_json_string(std::move(text));
      return Status::ok();
    }
    case Case::kViewToRowsStringReq: {
      PX_ASSIGN_OR_RETURN(std::string text,
                          write(message.view_to_rows_string_req(), ViewTextFormat::kRows));
      out.mutable_view_to_rows_string_resp()->set_json_string(std::move(text));
      return Status::ok();
    }
    case Case::kViewToNdjsonStringReq: {
      PX_ASSIGN_OR_RETURN(std::string text,
                          write(message.view_to_ndjson_string_req(), ViewTextFormat::kNdjson));
      out.mutable_view_to_ndjson_string_resp()->set_ndjson_string(std::move(text));
      return Status::ok();
    }
    case Case::kViewToCsvReq: {
      PX_ASSIGN_OR_RETURN(
          std::string text,
          write_view(view, view_window_from_proto(message.view_to_csv_req().viewport()),
                     ViewTextFormat::kCsv));
      out.mutable_view_to_csv_resp()->set_csv(std::move(text));
      return Status::ok();
    }
    case Case::kViewToArrowReq: {
      const auto& req = message.view_to_arrow_req();
      PX_ASSIGN_OR_RETURN(
          std::string bytes,
          write_view_arrow(view, view_window_from_proto(req.viewport()), req.compression()));
      out.mutable_view_to_arrow_resp()->set_arrow(std::move(bytes));
      return Status::ok();
    }
    case Case::kViewGetMinMaxReq: {
      PX_ASSIGN_OR_RETURN(auto range, view.min_max(message.view_get_min_max_req().column_name()));
      out.mutable_view_get_min_max_resp()->set_min(min_max_value_json(range.first));
      out.mutable_view_get_min_max_resp()->set_max(min_max_value_json(range.second));
      return Status::ok();
    }
    default:
      return Status::invalid("unknown request kind {}",
                             static_cast<int>(message.client_req_case()));
  }
}

}  // namespace parallax::server
