"""Rules: campaign files (params/*.yml) turned into typed, validated rules of both generations."""
