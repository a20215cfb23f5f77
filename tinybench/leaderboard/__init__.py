"""Result records, MLPerf import, submission bundles, checker, leaderboard site."""
