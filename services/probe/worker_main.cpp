// curation-probe-worker: the sandboxed half of the prober, started by curationd.
#include <curation/probe/probe_sandbox.hpp>

int main(int argc, char** argv) { return curation::probe::ServeProbeTasks(argc, argv); }
