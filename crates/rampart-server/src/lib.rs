//! The request pipeline: listeners, authentication, authorization, dispatch and CloudTrail recording.
