// Test main for binaries that need PostgreSQL: starts it once for all their tests.
#include <gtest/gtest.h>

#include "postgres_fixture.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  curation::testing::PostgresEnvironment::Get();
  return RUN_ALL_TESTS();
}
