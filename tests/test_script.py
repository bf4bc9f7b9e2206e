"""The stand-alone NumPy script (`render --format python`) and the plain names it prints."""

from symbackprop.notation import plain_name


def test_plain_names_of_every_profile():
    assert plain_name(r"\mathrm{net}_{h_{1}}") == "net_h1"
    assert plain_name(r"\mathrm{out}_{o_{2}}") == "out_o2"
    assert plain_name(r"\delta_{o_{1}}") == "delta_o1"
    assert plain_name("W^{(1)}_{11}") == "W1_11"
    assert plain_name("W^{(2)}_{2,11}") == "W2_2,11"
    assert plain_name("z^{(2)}") == "z2"
    assert plain_name(r"\delta^{(1)}_{2}") == "delta1_2"
    assert plain_name(r"\hat{y}") == "y_hat"
    assert plain_name(r"\hat{y}_{3}") == "y_hat_3"
    assert plain_name("w_{5}") == "w5"
    assert plain_name("x_{1}") == "x1"
    assert plain_name("w_{2,11}") == "w2,11"
    assert plain_name(r"\delta_{3}") == "delta_3"
    assert plain_name(r"E_{\mathrm{total}}") == "E_total"
    assert plain_name(r"\mathrm{target}_{o1}") == "target_o1"
    assert plain_name("b_{h}") == "b_h"
    assert plain_name("y^{*}_{1}") == "y*_1"
    assert plain_name(r"z_{\mathrm{out},1}") == "z_out,1"
    assert plain_name(r"\eta") == "eta"


def test_plain_names_of_deeper_net_out_networks_keep_layer_and_unit_apart():
    assert plain_name(r"\mathrm{net}_{h^{(1)}_{1}}") == "net_h1_1"
    assert plain_name(r"b_{h^{(2)}}") == "b_h2"


def test_plain_names_of_hand_written_overrides():
    assert plain_name(r"w^{\prime}") == "w'"
    assert plain_name(r"\tilde{w}_{1}") == "w_tilde_1"
    assert plain_name(r"\bar{x}") == "x_bar"
    assert plain_name(r"x_\alpha") == "x_alpha"
    assert plain_name("v(1)") == "v(1)"
