DROP TABLE IF EXISTS estimator_models;
