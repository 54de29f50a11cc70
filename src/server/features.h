// get_features: what the engine supports, found by asking it. Each candidate (group_by,
// split_by, expressions, each filter operator and aggregate per column type, as the
// reference lists them) is tried on a throwaway engine, and only what it accepts is
// advertised, so the viewer offers exactly what works and grows as the engine does.
#pragma once

#include <string>

#include "api/engine.h"
#include "perspective.pb.h"

namespace parallax::server {

// `unlisted`: the aggregates offered are instead those the engine takes as the reference's
// engine does but that its get_features does not list (`parallax features --unlisted`, which
// the differential generator reads so that they are checked against the reference too).
::perspective::proto::GetFeaturesResp probe_engine_features(bool unlisted = false);

// `features` (the engine's) as every table hosted now supports them: the protocol asks once
// per connection (entity_id ""), so with virtual tables hosted the answer keeps only what
// each of them answers too (its backend's aggregates per column type, expressions), and the
// viewer never offers what one of them would refuse. `table` names one table instead.
::perspective::proto::GetFeaturesResp hosted_features(
    ::perspective::proto::GetFeaturesResp features, const Engine& engine,
    const std::string& table = "");

}  // namespace parallax::server
