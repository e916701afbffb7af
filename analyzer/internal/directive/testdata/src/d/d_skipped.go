package d

// This file is not analysed (like a generated file), so its ignore is not unused.

//knoxvet:ignore KNX101 not checked here
var e = 8
