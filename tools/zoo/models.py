"""VGG-16 (BatchNorm) and ResNet-18 (CIFAR-style stem) for 1 x 32 x 32 inputs, 10 classes.

`width` is the number of channels of the first stage (64 = the standard networks); every stage
scales with it (VGG-16: w, 2w, 4w, 8w, 8w; ResNet-18: w, 2w, 4w, 8w).
"""
import torch
import torch.nn as nn

VGG16 = [1, 1, "M", 2, 2, "M", 4, 4, 4, "M", 8, 8, 8, "M", 8, 8, 8, "M"]


class VGG(nn.Module):
    def __init__(self, width=64, classes=10, in_ch=1, cfg=VGG16):
        super().__init__()
        layers, c = [], in_ch
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                o = v * width
                layers += [nn.Conv2d(c, o, 3, padding=1, bias=False), nn.BatchNorm2d(o),
                           nn.ReLU(inplace=True)]
                c = o
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c, classes))

    def forward(self, x):
        return self.classifier(self.features(x))

    def last_layer(self):
        return self.classifier[1]


class BasicBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(o)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.relu1 = nn.ReLU(inplace=True)
        self.relu2 = nn.ReLU(inplace=True)
        self.shortcut = nn.Sequential()
        if stride != 1 or i != o:
            self.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, width=64, classes=10, in_ch=1):
        super().__init__()
        w = width
        self.conv1 = nn.Conv2d(in_ch, w, 3, 1, 1, bias=False)   # CIFAR stem: 3x3, no max-pool
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        blocks, c = [], w
        for mult, stride in ((1, 1), (2, 2), (4, 2), (8, 2)):
            for s in (stride, 1):
                blocks.append(BasicBlock(c, mult * w, s))
                c = mult * w
        self.layers = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        out = self.layers(self.relu(self.bn1(self.conv1(x))))
        return self.fc(self.flatten(self.pool(out)))

    def last_layer(self):
        return self.fc


ARCHS = {"vgg16": VGG, "resnet18": ResNet18}


def build(arch, width, seed):
    torch.manual_seed(seed)
    return ARCHS[arch](width=width)


def reset_last_layer(model, seed):
    torch.manual_seed(seed)
    model.last_layer().reset_parameters()
