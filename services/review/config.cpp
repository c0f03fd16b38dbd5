// review.* keys: database-free, so tests and the config fuzz target link them alone.
#include <curation/review/module.hpp>

namespace curation::review {

const ConfigSection& Module::Section() {
  static const ConfigSection section{
      .keys = {
          DurationKey("review.due_after", "time from upload to a review item's deadline",
                      SectionField(&ReviewConfig::due_after), 1s),
          DurationKey("review.at_risk", "an item is at risk when due within this span",
                      SectionField(&ReviewConfig::at_risk), 0ms),
          DurationKey("review.lease", "how long a claim lasts unless renewed", SectionField(&ReviewConfig::lease),
                      10s),
          DurationKey("review.max_lease", "the longest claim a curator may ask for",
                      SectionField(&ReviewConfig::max_lease), 10s),
          IntegerKey("review.min_justification_chars", "shortest justification a warn, censor or revert accepts",
                     SectionField(&ReviewConfig::min_justification_chars), 1, 1000),
      }};
  return section;
}

}  // namespace curation::review
