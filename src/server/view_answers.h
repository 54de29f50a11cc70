// The answers of the requests that only read a view (schema, dimensions, config, column
// paths, expression schema, the to_* formats, min/max), from the view itself: the protocol
// handler answers them on the engine's thread for in-memory views, and on a database worker
// for views of virtual tables (virtual_lanes.h), whose reads run SQL. Private to the server
// library.
#pragma once

#include "perspective.pb.h"
#include "query/view.h"

namespace parallax::server {

// Whether `kind` is one of the requests answer_view_read answers.
bool is_view_read(::perspective::proto::Request::ClientReqCase kind);
// Fills `out` (msg_id and entity_id already set) with the answer, or answers the error.
Status answer_view_read(const View& view, const ::perspective::proto::Request& message,
                        ::perspective::proto::Response& out);

}  // namespace parallax::server
