// get_features: what the engine supports, found by asking it. Each candidate (group_by,
// split_by, expressions, each filter operator and aggregate per column type, as the
// reference lists them) is tried on a throwaway engine, and only what it accepts is
// advertised, so the viewer offers exactly what works and grows as the engine does.
#pragma once

#include "perspective.pb.h"

namespace parallax::server {

::perspective::proto::GetFeaturesResp probe_engine_features();

}  // namespace parallax::server
