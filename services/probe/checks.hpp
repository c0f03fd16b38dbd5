#pragma once
// The media and image checks, run once the first byte-range request has succeeded.

#include "range_source.hpp"

namespace curation::probe {

void CheckVideo(RangeSource& source, const ProbeTarget& target, const ProbeLimits& limits, SourceReport& report);
void CheckImage(RangeSource& source, const ProbeTarget& target, const ProbeLimits& limits, SourceReport& report);

/// JPEG, PNG or WebP by their signature; empty otherwise.
std::string ImageFormatOf(std::string_view head);

}  // namespace curation::probe
